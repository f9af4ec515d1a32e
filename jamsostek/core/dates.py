"""The span of years the service has business with, in one place.

BPJS Ketenagakerjaan's village programmes (and so any bill, budget or report here) start in
July 2015; nothing is planned past 2100. Years, periods and date filters outside the span are
a 400 at the door rather than an error deep in date arithmetic (`?year=0`, `9999-12`).
"""

FIRST_YEAR = 2015
LAST_YEAR = 2100
