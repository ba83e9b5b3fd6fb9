"""Request middleware for the staff portal."""

from django.utils import translation

from core.i18n import is_supported


class StaffMiddleware:
    """Attach the signed-in user's StaffMember (with its center) as `request.staff`.

    Read fresh on every request, so a role or center change takes effect at the
    user's next click: ActiveStaffBackend.get_user() loads the user together with
    the staff record and its center (one query per request, not three), and this
    only picks it up. A user loaded some other way has it read here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.staff = None
        user = request.user
        if user.is_authenticated:
            request.staff = getattr(user, "staff_member", None)  # None: no staff record
        return self.get_response(request)


class StaffLanguageMiddleware:
    """Show the portal in the signed-in staff member's language when they chose one.

    LocaleMiddleware has already picked the cookie's or the browser's language (all a
    signed-out visitor has); a stored preference overrides it for the whole request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        staff = getattr(request, "staff", None)
        code = staff.language if staff is not None else ""
        if code and is_supported(code):
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
