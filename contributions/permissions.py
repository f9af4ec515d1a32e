"""Who may do what with money: read by the API (contributions/api/), the console's bills,
payments, budgets and benefits pages and the Django admin (contributions/admin.py). Rows
and their reading: jamsostek/core/permissions.py."""

from jamsostek.core.choices import EVERY_ROLE, STAFF_ROLES, Role
from jamsostek.core.permissions import Reach, Rule, Table

# The regency's office (PMD) and the admin: bills a month, verifies, sets budgets.
_REGENCY_OFFICE = frozenset({Role.PMD_AUDITOR, Role.ADMIN})

# fmt: off
CONTRIBUTIONS = Table("contributions", {
    # The rate schedule and its reliefs: the same for everyone; admins add and close rows
    # (here and in the Django admin).
    "rate.list":             Rule(EVERY_ROLE, Reach.NATION),
    "rate.retrieve":         Rule(EVERY_ROLE, Reach.NATION),
    "rate.create":           Rule({Role.ADMIN}, Reach.NATION),
    "rate.close":            Rule({Role.ADMIN}, Reach.NATION),
    "relief.list":           Rule(EVERY_ROLE, Reach.NATION),
    "relief.retrieve":       Rule(EVERY_ROLE, Reach.NATION),
    "relief.create":         Rule({Role.ADMIN}, Reach.NATION),
    "relief.close":          Rule({Role.ADMIN}, Reach.NATION),

    # Bills: everyone reads their scope's; the regency's office bills a month, an admin
    # re-prices months after a rule changed.
    "bill.list":             Rule(EVERY_ROLE, Reach.SCOPE),
    "bill.retrieve":         Rule(EVERY_ROLE, Reach.SCOPE),
    "bill.generate":         Rule(_REGENCY_OFFICE, Reach.SCOPE),
    "bill.reprice":          Rule({Role.ADMIN}, Reach.SCOPE),

    # Payments: the village's operator records one (the console's pay form), the regency's
    # office verifies or rejects it (and has the audit queue); either reverses one (an
    # operator not one verified: payments' own refusal, reverse_verified).
    "payment.list":          Rule(EVERY_ROLE, Reach.SCOPE),
    "payment.retrieve":      Rule(EVERY_ROLE, Reach.SCOPE),
    "payment.evidence":      Rule(EVERY_ROLE, Reach.SCOPE),
    "payment.create":        Rule({Role.VILLAGE_OPERATOR, Role.ADMIN}, Reach.SCOPE),
    "payment.verify":        Rule(_REGENCY_OFFICE, Reach.SCOPE),
    "payment.reject":        Rule(_REGENCY_OFFICE, Reach.SCOPE),
    "payment.reverse":       Rule({Role.VILLAGE_OPERATOR, Role.PMD_AUDITOR, Role.ADMIN},
                                  Reach.SCOPE),

    "arrears.list":          Rule(EVERY_ROLE, Reach.SCOPE),

    # Budgets: the regency's office sets them (the console's form adds one or changes an
    # amount, under budget.create: keep the two rows alike).
    "budget.list":           Rule(EVERY_ROLE, Reach.SCOPE),
    "budget.retrieve":       Rule(EVERY_ROLE, Reach.SCOPE),
    "budget.create":         Rule(_REGENCY_OFFICE, Reach.SCOPE),
    "budget.partial_update": Rule(_REGENCY_OFFICE, Reach.SCOPE),

    # Benefits paid: BPJS records them.
    "claim.list":            Rule(EVERY_ROLE, Reach.SCOPE),
    "claim.retrieve":        Rule(EVERY_ROLE, Reach.SCOPE),
    "claim.create":          Rule({Role.BPJS_OFFICER, Role.ADMIN}, Reach.SCOPE),

    # Reminders: each user their own.
    "notification.list":     Rule(EVERY_ROLE, Reach.OWN),
    "notification.retrieve": Rule(EVERY_ROLE, Reach.OWN),
    "notification.read":     Rule(EVERY_ROLE, Reach.OWN),

    # The Django admin: staff look at the money rules; an admin keeps the occupation →
    # sector mapping (rate and relief rows: rate.create, rate.close… above).
    "admin.rules.view":      Rule(STAFF_ROLES, Reach.NATION),
    "admin.sector.change":   Rule({Role.ADMIN}, Reach.NATION),
})
# fmt: on
