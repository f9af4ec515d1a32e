"""Logging in and out of the console, with the API's throttle on failed attempts, and
choosing its language."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext as _
from django.views.i18n import set_language

from accounts.api import LoginFailureThrottle

from ..access import permit
from ..permissions import CONSOLE


class LoginView(auth_views.LoginView):
    """Session login for the same users as the API; failed logins per address and username
    are counted by the API's throttle, and past its rate the form refuses to try."""

    template_name = "console/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        self.throttle = LoginFailureThrottle()
        shim = SimpleNamespace(data=request.POST, META=request.META, headers=request.headers)
        if not self.throttle.allow_request(shim, self):
            messages.error(
                request,
                _("Too many failed logins: wait %(minutes)s minutes and try again.")
                % {"minutes": max(1, round((self.throttle.wait() or 60) / 60))},
            )
            # Unbound: a bound form checks the password when its errors are shown, and the
            # page would then tell a right password from a wrong one despite the throttle.
            form = self.get_form_class()(
                request, initial={"username": request.POST.get("username")}
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        self.throttle.record_failure()
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    next_page = "console:login"


login = permit(CONSOLE, "login")(LoginView.as_view())
logout = permit(CONSOLE, "logout")(LogoutView.as_view())
language = permit(CONSOLE, "language")(set_language)  # Django's
