"""Password change with the old password guarded like a sign-in.

Someone at a signed-in device left unattended could otherwise try old passwords
without limit. A wrong old password counts as a failed sign-in of the account from
this address (django-axes: the same limit, the same lockout, and a sign-in after it
is refused too). Once the account is locked the change is refused with the lockout
page and the session is signed out: whoever kept guessing is not left signed in.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from axes.utils import reset
from django.conf import settings
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth import logout
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .backends import lockout_username

LOCKED_OUT = "locked_out"
LOCKED_OUT_MESSAGE = _(
    "Too many wrong passwords for this account: it is locked on this network for a while."
)


class OldPasswordLockoutMixin:
    """Count a wrong old password as a failed sign-in; refuse every one once locked."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    @property
    def lockout_credentials(self):
        return {"username": self.user.get_username()}

    def clean_old_password(self):
        credentials = self.lockout_credentials
        if not AxesProxyHandler.is_allowed(self.request, credentials):
            raise ValidationError(LOCKED_OUT_MESSAGE, code=LOCKED_OUT)
        try:
            old_password = super().clean_old_password()
        except ValidationError:
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(LOCKED_OUT_MESSAGE, code=LOCKED_OUT) from None
            raise
        if settings.AXES_RESET_ON_SUCCESS:  # as a sign-in with the password would
            reset(
                ip=self.request.axes_ip_address,
                username=lockout_username(self.request, credentials),
            )
        return old_password


class LockoutPasswordChangeForm(OldPasswordLockoutMixin, PasswordChangeForm):
    """The portal's password change form."""


class AdminLockoutPasswordChangeForm(OldPasswordLockoutMixin, AdminPasswordChangeForm):
    """Django admin's password change form."""


class LockoutPasswordChangeView(PasswordChangeView):
    """Django's password change; at the lockout, the lockout page and a signed-out session."""

    form_class = LockoutPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        if not form.has_error("old_password", LOCKED_OUT):
            return super().form_invalid(form)
        credentials = form.lockout_credentials
        logout(self.request)
        self.request.staff = None  # the page below is shown to nobody signed in
        return get_lockout_response(self.request, credentials=credentials)
