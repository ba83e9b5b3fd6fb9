"""Template context shared by every page."""

from centers import policies


def staff(request):
    """Expose the signed-in staff member and what their role allows, for navigation."""
    member = getattr(request, "staff", None)
    if member is None:
        return {"staff": None}
    return {
        "staff": member,
        "can_edit_households": policies.can_edit_households(member),
        "can_view_reports": policies.can_view_reports(member),
        "is_manager_or_admin": member.is_admin or member.role == member.Role.MANAGER,
    }
