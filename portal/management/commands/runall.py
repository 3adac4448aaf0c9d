"""Run the whole single-machine portal: web server, Celery worker and Celery beat.

Ctrl-C (or SIGTERM) stops all three. Used by ``make run``.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start runserver, a Celery worker and Celery beat together; Ctrl-C stops them all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options) -> None:
        for folder in ("queue", "control", "processed"):
            (settings.BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
        # WhiteNoise serves development's static files from the finders; an empty STATIC_ROOT
        # (filled only by collectstatic) spares its "No directory" warning on every start.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
            ],
            "beat": [python, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO"],
        }
        processes = {name: subprocess.Popen(cmd, env=os.environ.copy()) for name, cmd in commands.items()}
        self.stdout.write(
            self.style.SUCCESS(f"Portal running at http://{addr}/ — Ctrl-C stops web, worker and beat.")
        )

        def stop(*_args) -> None:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()

        signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
        try:
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            failed = [name for name, process in processes.items() if process.poll() is not None]
            self.stderr.write(f"{', '.join(failed)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            stop()
