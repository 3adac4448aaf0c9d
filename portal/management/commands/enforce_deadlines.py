"""Apply every due deadline now, without any Celery worker (cron-friendly), and send again the
outbox's jobs that are not done in time (a worker runs those)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal import deadlines
from portal.outbox import services as outbox


class Command(BaseCommand):
    help = "Apply every due order and dispute deadline once; --loop repeats every N seconds."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", type=float, default=0, help="Repeat every this many seconds.")
        parser.add_argument(
            "--now", help="Pretend the time is this ISO-8601 timestamp (for demos and rehearsals)."
        )
        parser.add_argument(
            "--sweepers",
            type=int,
            default=settings.SWEEPERS,
            help="Sweep in this many processes side by side (PostgreSQL); default PORTAL_SWEEPERS.",
        )

    def handle(self, *args, loop: float, now: str | None, sweepers: int, **options) -> None:
        while True:
            at = parse_datetime(now) if now else timezone.now()
            if at is None or timezone.is_naive(at):
                self.stderr.write(
                    "--now needs an ISO-8601 timestamp with a time zone, e.g. 2026-12-01T12:00:00Z"
                )
                return
            applied = deadlines.enforce_side_by_side(now=at, sweepers=sweepers)
            # The outbox keeps the wall clock's time whatever --now pretends.
            applied.update(outbox.sweep(now=timezone.now()))
            self.stdout.write(
                f"{at.isoformat()} applied: "
                + ", ".join(f"{name}={count}" for name, count in applied.items())
            )
            if not loop:
                return
            time.sleep(loop)
