"""Template context shared by every page."""

from django.urls import get_script_prefix, reverse

from centers import policies

# The navigation's links (templates/includes/nav_links.html, shown twice on every page).
NAV_URL_NAMES = (
    "distribution:new",
    "households:list",
    "distribution:log",
    "inventory:stock",
    "inventory:transfers",
    "centers:list",
    "inventory:packages",
    "reports:index",
    "admin:index",
    "system_status",
    "password_change",
    "logout",
)
_nav_urls = {}


def nav_urls():
    """The navigation's URLs, reversed once per script prefix instead of on every page."""
    prefix = get_script_prefix()
    urls = _nav_urls.get(prefix)
    if urls is None:
        urls = {name.replace(":", "_"): reverse(name) for name in NAV_URL_NAMES}
        _nav_urls[prefix] = urls
    return urls


def staff(request):
    """Expose the signed-in staff member and what their role allows, for navigation."""
    member = getattr(request, "staff", None)
    if member is None:
        return {"staff": None}
    return {
        "staff": member,
        "nav": nav_urls(),
        "can_edit_households": policies.can_edit_households(member),
        "can_view_reports": policies.can_view_reports(member),
        "is_manager_or_admin": member.is_admin or member.role == member.Role.MANAGER,
    }
