"""Bills: generated set-based, idempotent by constraint, kept in step with what they hold.

- ``generation``: a month for some villages or the nation, in one transaction: the lines,
  then penalties, totals, pending credits and budget flags;
- ``lines``: the month's SQL: the enrollments to bill in a temporary table, the bills and
  the lines each written by one ``INSERT … SELECT``, under the month's advisory lock;
- ``totals``: a bill's totals, status and budget flag recomputed from what it holds;
- ``adjustments``: re-pricing's debits and credits placed on the next open bills, and
  credits released when their bill holds less;
- ``enrollments``: one enrollment's months, billed after an activation (and the sweep of
  those never billed) and taken off unpaid bills after an end.

The reads they share (what to bill, what is unbilled) are in ``contributions.selectors``.
"""
