"""What every console page's layout needs: the vendored assets and the caller's menu."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jamsostek.core.choices import Role

from .assets import ASSETS

# (URL name, label, roles that see it); kwargs come from the user where needed.
MENU = [
    ("console:village", _("My village"), {Role.VILLAGE_OPERATOR}),
    (
        "console:dashboard",
        _("Dashboard"),
        {Role.DISTRICT_VIEWER, Role.PMD_AUDITOR, Role.BPJS_OFFICER, Role.ADMIN},
    ),
    ("console:members", _("Members"), set(Role.values)),
    ("console:bills", _("Bills"), set(Role.values)),
    ("console:audit", _("Audit queue"), {Role.PMD_AUDITOR, Role.ADMIN}),
    ("console:activations", _("Activations"), {Role.BPJS_OFFICER, Role.ADMIN}),
    ("console:claims", _("Benefits"), set(Role.values)),
    ("console:budgets", _("Budgets"), set(Role.values)),
    ("console:users", _("Users"), {Role.PMD_AUDITOR, Role.ADMIN}),
]


def console(request) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "console":
        return {}
    user = request.user
    menu = []
    if user.is_authenticated:
        for name, label, allowed in MENU:
            if user.role not in allowed:
                continue
            kwargs = {"code": user.scope.code} if name == "console:village" else {}
            url = reverse(name, kwargs=kwargs)
            menu.append({"url": url, "label": label, "current": request.path.startswith(url)})
    return {"assets": ASSETS, "menu": menu}
