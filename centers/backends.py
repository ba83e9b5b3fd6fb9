"""Authentication that lets only active staff members sign in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ActiveStaffBackend(ModelBackend):
    """Refuse users whose staff record is missing or not active.

    ModelBackend.get_user() asks this too on every request, so deactivating a
    staff member ends their open sessions at their next click. get_user() reads the
    user, their staff record and its center in one query; StaffMiddleware then uses
    that staff record instead of reading it again.
    """

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("staff_member__center")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        staff = getattr(user, "staff_member", None)
        return staff is not None and staff.is_active


def lockout_username(request, credentials):
    """Return the username django-axes records, cut to the length a username can have."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username)[:150]
