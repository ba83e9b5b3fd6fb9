"""Create or update a login with an active staff record: the only kind that can sign in."""

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember

Role = StaffMember.Role
PASSWORD_ENV = "DJANGO_STAFF_PASSWORD"

BAD_ROLE_MESSAGE = "Unknown role {role!r}; choose one of: " + ", ".join(Role.values) + "."
BAD_CENTER_MESSAGE = "No distribution center has id {center_id}."
CENTER_REQUIRED_MESSAGE = "A {role} works at one center: pass --center-id."
NO_PASSWORD_MESSAGE = (
    f"No password given: pass --password, set {PASSWORD_ENV}, or run in a terminal to be asked."
)


class Command(BaseCommand):
    help = (
        "Create or update a user with an active staff record of the given role and center. "
        f"Admins get Django admin and superuser rights, managers Django admin. The password "
        f"comes from --password, ${PASSWORD_ENV}, or a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument(
            "--center-id", type=int, help="The staff member's center; optional for admins."
        )
        parser.add_argument("--password", help=f"Prefer ${PASSWORD_ENV} or the prompt.")

    def handle(self, *args, **options):
        role = options["role"]
        if role not in Role.values:
            raise CommandError(BAD_ROLE_MESSAGE.format(role=role))
        center = self.center(options["center_id"], role)
        User = get_user_model()
        user = User.objects.filter(username=options["username"]).first()
        user = user or User(username=options["username"])
        password = options["password"] or os.environ.get(PASSWORD_ENV)
        if not password and user.pk is None:
            password = self.prompt_password()
        user.first_name, user.last_name = options["first_name"], options["last_name"]
        user.email = options["email"]
        user.is_active = True
        user.is_staff = role in (Role.ADMIN, Role.MANAGER)
        user.is_superuser = role == Role.ADMIN
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            user.set_password(password)

        created = user.pk is None
        try:
            with transaction.atomic():
                user.full_clean()
                user.save()
                staff = getattr(user, "staff_member", None) or StaffMember(
                    user=user, hire_date=timezone.localdate()
                )
                staff.first_name, staff.last_name = user.first_name, user.last_name
                staff.email, staff.role, staff.center = user.email, role, center
                staff.status = StaffMember.Status.ACTIVE
                staff.full_clean()
                staff.save()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        action = "Created" if created else "Updated"
        where = center or "all centers"
        self.stdout.write(self.style.SUCCESS(f"{action} {user.username}: {role} at {where}."))

    def center(self, center_id, role):
        if center_id is None:
            if role != Role.ADMIN:
                raise CommandError(CENTER_REQUIRED_MESSAGE.format(role=role))
            return None
        center = DistributionCenter.objects.filter(pk=center_id).first()
        if center is None:
            raise CommandError(BAD_CENTER_MESSAGE.format(center_id=center_id))
        return center

    def prompt_password(self):
        if not sys.stdin.isatty():
            raise CommandError(NO_PASSWORD_MESSAGE)
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError(NO_PASSWORD_MESSAGE)
        return password
