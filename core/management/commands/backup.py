"""Write a consistent, compressed backup of the database."""

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, create_backup, default_backup_dir


class Command(BaseCommand):
    help = (
        "Write a timestamped, compressed, consistent backup (MySQL/MariaDB: mysqldump with "
        "views, triggers and procedures; SQLite: the online backup API)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help=f"Folder for the backup file (default: {default_backup_dir()})."
        )

    def handle(self, *, output, **options):
        try:
            path = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = path.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({size:,} bytes)"))
