"""Create a demo world six months under way; running it again duplicates nothing."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools.demo import build_world
from devtools.demo.data import DEMO_PASSWORD
from devtools.demo.summary import summary_lines

NOT_DEBUG_MESSAGE = (
    "seed_demo creates logins with a published password, so it runs only with DEBUG on. "
    "Pass --force to seed anyway (e.g. a throwaway staging server)."
)


class Command(BaseCommand):
    help = (
        "Create demo centers, packages, ~300 households, six months of distribution "
        "history and stock, today's visits, transfers and owed items, and one login per "
        f"role (password {DEMO_PASSWORD!r}). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(NOT_DEBUG_MESSAGE)
        # The services log every distribution; hundreds of lines would bury the logins.
        previous = logging.root.manager.disable
        logging.disable(logging.INFO)
        try:
            world = build_world()
        finally:
            logging.disable(previous)
        for line in summary_lines(world):
            self.stdout.write(line)
