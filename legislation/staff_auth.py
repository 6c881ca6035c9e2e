"""Staff sign-in: a second factor (TOTP) whenever settings.REQUIRE_2FA is on (the default
with DJANGO_DEBUG off); repeated failures are locked out by django-axes (settings).

The admin is the only sign-in page. With 2FA required its login form asks for the
authenticator's code, the admin lets in only verified sessions, and everywhere else a
session signed in without a second factor counts as anonymous, so no staff page (history,
review, a future API's session login) can be reached with a password alone.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import AnonymousUser
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Username, password and the authenticator's code on one form: a staff member with a
    single authenticator need not pick it from a list first."""

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            only = list(devices[:2])
            device = only[0] if len(only) == 1 else None
        return device


class StaffAdminSite(OTPAdminSite):
    """The default admin site (name "admin"), with the second factor only when required."""

    def __init__(self, name="admin"):
        super().__init__(name)

    @property
    def login_form(self):
        return StaffLoginForm if settings.REQUIRE_2FA else AdminAuthenticationForm

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.REQUIRE_2FA else None

    def has_permission(self, request):
        if settings.REQUIRE_2FA:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: with 2FA required, a session without a verified
    device is treated as signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if settings.REQUIRE_2FA and user.is_authenticated and not user.is_verified():
            request.user = AnonymousUser()
        return self.get_response(request)
