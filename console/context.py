"""What every console page's layout needs: the vendored assets and the caller's menu."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jamsostek.core.choices import Role

from .access import page_rule
from .assets import ASSETS

# (URL name, label): an entry shows to the users its page's row lets in ("My village" only
# to a village's operator: the others have no village of their own).
MENU = [
    ("console:village", _("My village")),
    ("console:dashboard", _("Dashboard")),
    ("console:members", _("Members")),
    ("console:bills", _("Bills")),
    ("console:audit", _("Audit queue")),
    ("console:activations", _("Activations")),
    ("console:claims", _("Benefits")),
    ("console:budgets", _("Budgets")),
    ("console:users", _("Users")),
]


def console(request) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "console":
        return {}
    user = request.user
    menu = []
    if user.is_authenticated:
        for name, label in MENU:
            if name == "console:village":
                if user.role != Role.VILLAGE_OPERATOR:
                    continue
                url = reverse(name, kwargs={"code": user.scope.code})
            else:
                url = reverse(name)
            if not page_rule(url).allows(user):
                continue
            menu.append({"url": url, "label": label, "current": request.path.startswith(url)})
    return {"assets": ASSETS, "menu": menu}
