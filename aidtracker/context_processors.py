"""Template context shared by every page."""


def staff(request):
    """Expose the signed-in user's staff record (or None) as `staff`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff": None}
    return {"staff": getattr(user, "staff_member", None)}
