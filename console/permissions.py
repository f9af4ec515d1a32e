"""Who may open the console's pages of its own: those that are not an app's action (an
app's page names the app's row: a member's page members:member.retrieve, the audit queue
contributions:payment.verify). Read by console.access.permit; rows and their reading:
jamsostek/core/permissions.py."""

from jamsostek.core.choices import EVERY_ROLE, Role
from jamsostek.core.permissions import Reach, Rule, Table

# fmt: off
CONSOLE = Table("console", {
    # Logging in and out, and choosing a language: anyone.
    "login":       Rule(EVERY_ROLE, Reach.CREDENTIALS),
    "logout":      Rule(EVERY_ROLE, Reach.PUBLIC),
    "language":    Rule(EVERY_ROLE, Reach.PUBLIC),
    # Where each user lands (console.selectors.home_url_name).
    "home":        Rule(EVERY_ROLE, Reach.OWN),
    # A region's dashboard: not for a village's operator (its village's home is its own).
    "dashboard":   Rule({Role.DISTRICT_VIEWER, Role.PMD_AUDITOR, Role.BPJS_OFFICER, Role.ADMIN},
                        Reach.SCOPE),
    # The BPJS office's queue of enrollments awaiting a KPJ number.
    "activations": Rule({Role.BPJS_OFFICER, Role.ADMIN}, Reach.SCOPE),
})
# fmt: on
