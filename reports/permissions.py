"""Who may read the regency's reports: read by the API (reports/api.py). Rows and their
reading: jamsostek/core/permissions.py."""

from jamsostek.core.choices import EVERY_ROLE
from jamsostek.core.permissions import Reach, Rule, Table

# fmt: off
REPORTS = Table("reports", {
    # Everyone, over the regions of their scope.
    "report-coverage.get":   Rule(EVERY_ROLE, Reach.SCOPE),
    "report-compliance.get": Rule(EVERY_ROLE, Reach.SCOPE),
    "report-claims.get":     Rule(EVERY_ROLE, Reach.SCOPE),
})
# fmt: on
