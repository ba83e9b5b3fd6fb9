import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from centers.management.commands import create_staff_user
from centers.models import StaffMember

pytestmark = pytest.mark.django_db


def sign_in(username, password):
    """Authenticate as the login form does (django-axes needs the request)."""
    return authenticate(
        RequestFactory().post("/accounts/login/"), username=username, password=password
    )


def test_create_staff_user_can_sign_in(center):
    call_command(
        "create_staff_user",
        "--username=ngozi",
        "--email=ngozi@example.org",
        "--first-name=Ngozi",
        "--last-name=Okafor",
        "--role=manager",
        f"--center-id={center.pk}",
        "--password=field-office-2024",
    )
    user = sign_in("ngozi", "field-office-2024")
    assert user.is_staff
    assert not user.is_superuser
    assert user.staff_member.role == StaffMember.Role.MANAGER
    assert user.staff_member.center == center


def test_create_staff_user_updates_and_reads_password_from_env(center, monkeypatch):
    monkeypatch.setenv(create_staff_user.PASSWORD_ENV, "field-office-2024")
    options = ["--username=ngozi", "--email=ngozi@example.org", "--first-name=Ngozi"]
    call_command("create_staff_user", *options, "--last-name=Okafor", "--role=admin")
    call_command("create_staff_user", *options, "--last-name=Eze", "--role=admin")
    staff = StaffMember.objects.get(user__username="ngozi")
    assert staff.last_name == "Eze"
    assert staff.user.is_superuser
    assert sign_in("ngozi", "field-office-2024") == staff.user


def test_create_staff_user_refuses_bad_role(center):
    message = create_staff_user.BAD_ROLE_MESSAGE.format(role="boss")
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command(
            "create_staff_user",
            "--username=ngozi",
            "--email=ngozi@example.org",
            "--first-name=Ngozi",
            "--last-name=Okafor",
            "--role=boss",
            f"--center-id={center.pk}",
            "--password=field-office-2024",
        )
    assert not get_user_model().objects.filter(username="ngozi").exists()


def test_create_staff_user_refuses_unknown_center():
    with pytest.raises(CommandError, match="No distribution center has id 999"):
        call_command(
            "create_staff_user",
            "--username=ngozi",
            "--email=ngozi@example.org",
            "--first-name=Ngozi",
            "--last-name=Okafor",
            "--role=worker",
            "--center-id=999",
            "--password=field-office-2024",
        )
