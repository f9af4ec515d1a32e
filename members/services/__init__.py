"""Every write to members, their roles and enrollments, each leaving a history entry.

- ``registration``: register, edit and delete members (and the checks of their data);
- ``lifecycle``: the enrollment's status changes, one at a time or the nightly lapse;
- ``history``: the history entry every change writes;
- ``imports``: spreadsheet rows through the same checks, in the request or as a job;
- ``import_jobs``: queueing a large file as a job for a worker.

The pure rules the checks apply are in ``members.rules``.
"""
