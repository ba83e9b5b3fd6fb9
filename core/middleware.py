"""Request middleware for the staff portal."""


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
