"""Request middleware for the staff portal."""

from centers.models import StaffMember


class StaffMiddleware:
    """Attach the signed-in user's StaffMember (with its center) as `request.staff`.

    Read fresh on every request, so a role or center change takes effect at the
    user's next click.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.staff = None
        if request.user.is_authenticated:
            request.staff = (
                StaffMember.objects.select_related("center").filter(user=request.user).first()
            )
        return self.get_response(request)
