"""Anonymise the households inactive for N days: the retention policy, run on a schedule."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from households.services import anonymise_inactive_households


class Command(BaseCommand):
    help = (
        "Erase for good the personal data of every household with no successful "
        "distribution, no change and no verification for --inactive-days days "
        "(households.anonymise says what goes and what stays). Report figures, "
        "eligibility, stock and the audit logs do not change. Each anonymisation is "
        "recorded in the household's history and the access log, as the retention "
        "policy's or, with --staff, as that staff member's. --dry-run lists them only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--inactive-days", type=int, required=True, metavar="N")
        parser.add_argument(
            "--dry-run", action="store_true", help="List the households; change nothing."
        )
        parser.add_argument(
            "--staff",
            metavar="USERNAME",
            help="The manager or admin who runs it by hand (default: the retention policy).",
        )

    def handle(self, *args, inactive_days, dry_run, staff, **options):
        if inactive_days < 1:
            raise CommandError("--inactive-days must be at least 1.")
        member = self._staff(staff) if staff else None
        try:
            ids = anonymise_inactive_households(
                inactive_days=inactive_days, staff=member, dry_run=dry_run
            )
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        listed = ", ".join(f"#{pk}" for pk in ids[:50]) + (" …" if len(ids) > 50 else "")
        verb = "would anonymise" if dry_run else "anonymised"
        self.stdout.write(
            f"{verb} {len(ids)} household(s) inactive for {inactive_days} days"
            + (f": {listed}" if ids else "")
        )

    def _staff(self, username):
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        member = getattr(user, "staff_member", None) if user is not None else None
        if member is None:
            raise CommandError(f"No staff member has the login {username!r}.")
        return member
