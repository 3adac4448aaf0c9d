"""Measure the key pages, the deadline sweep and the web server: ``make bench``, or
``manage.py benchmark --settings=portal.settings.bench`` (only that settings module installs
this development-only app).

Without ``--quick`` it measures the database the settings point at (seeding it with
``seed_scale --orders/--disputes`` first if it has no orders); the README's figures come from
PostgreSQL with 1,000,000 orders and 100,000 disputes. ``--quick`` never touches your data: it
runs itself again on a fresh SQLite database in a temporary ``PORTAL_VAR_DIR`` with a small
dataset, and finishes in under a minute. Both print a table and write ``var/bench.json``.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from orders.models import Order
from tests.scale.bench import PARTS, Benchmark, table, write_json
from tests.scale.growth import growth, load

QUICK = {
    "orders": 10_000,
    "disputes": 1_000,
    "requests": 20,
    "sweep_due": 200,
    "wrk_seconds": 3,
    "wrk_rounds": 1,
}
#: The quick run's first, smaller dataset, against which it prints the growth table.
QUICK_SMALL = {"orders": 2_000, "disputes": 200}


def copy_sqlite_database(path: Path) -> None:
    """Copy the default SQLite database, including what is still in its write-ahead log."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


class Command(BaseCommand):
    help = "Benchmark pages, the deadline sweep and requests/s; print a table and write var/bench.json."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quick", action="store_true", help="Small SQLite dataset in a temp dir.")
        parser.add_argument("--orders", type=int, default=1_000_000, help="Seed this many if empty.")
        parser.add_argument("--disputes", type=int, default=100_000, help="Seed this many if empty.")
        parser.add_argument("--requests", type=int, default=60, help="Timed requests per page (≥ 50).")
        parser.add_argument("--sweep-due", type=int, default=1000, help="Due deadlines the sweep applies.")
        parser.add_argument("--wrk-seconds", type=float, default=10)
        parser.add_argument("--wrk-rounds", type=int, default=2)
        parser.add_argument("--output", help="Where to write the JSON (default var/bench.json).")
        parser.add_argument(
            "--only",
            action="append",
            choices=PARTS,
            help="Measure only this part (repeatable); the default measures them all.",
        )
        parser.add_argument(
            "--growth-from",
            help="The JSON of an earlier run on a smaller dataset: print and write each page's growth.",
        )
        parser.add_argument("--inner", action="store_true", help="(internal) the --quick child process.")
        parser.add_argument("--small", action="store_true", help="(internal) the quick run's small dataset.")

    def handle(self, *args, **options) -> None:
        output = Path(options["output"] or settings.VAR_DIR / "bench.json")
        if options["quick"] and not options["inner"]:
            self.run_quick(output, options["only"] or [])
            return
        if options["requests"] < 50:
            raise CommandError("--requests must be at least 50.")
        scratch_template = None
        if options["inner"]:
            # A fresh database in the temporary var dir; its empty copy is the sweep's scratch one.
            call_command("migrate", verbosity=0, interactive=False)
            scratch_template = Path(settings.VAR_DIR) / "empty.sqlite3"
            copy_sqlite_database(scratch_template)
            # Nothing is collected into the temporary var dir, and with DEBUG off whitenoise warns
            # of a missing STATIC_ROOT; the measured pages load no static file.
            Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
            options.update(QUICK)
            if options["small"]:
                options.update(QUICK_SMALL)
        if not Order.objects.exists():
            self.stdout.write(
                f"No orders yet: seeding {options['orders']:,} orders, {options['disputes']:,} disputes."
            )
            call_command(
                "seed_scale", orders=options["orders"], disputes=options["disputes"], stdout=self.stdout
            )
        benchmark = Benchmark(
            mode="quick" if options["inner"] else "full",
            requests=options["requests"],
            sweep_due=options["sweep_due"],
            wrk_seconds=options["wrk_seconds"],
            wrk_rounds=options["wrk_rounds"],
            scratch_template=scratch_template,
            parts=tuple(options["only"] or PARTS),
            say=self.stdout.write,
        )
        report = benchmark.run()
        if options["growth_from"]:
            report.growth = growth(report.pages, report.dataset, load(Path(options["growth_from"])))
        if options["inner"]:
            report.notes.append(
                f"Quick mode: fresh SQLite database, {QUICK['orders']:,} orders and {QUICK['disputes']:,} "
                f"disputes; the sweep applies {QUICK['sweep_due']} due deadlines. Not the README's figures."
            )
        write_json(report, output)
        self.stdout.write("")
        for line in table(report):
            self.stdout.write(line)
        self.stdout.write(f"\nWrote {output}")

    def run_quick(self, output: Path, only: list[str]) -> None:
        """Run the benchmark's pages on a small throwaway SQLite database, then everything on a
        larger one, each in a child process; the second prints the growth between them."""
        small = Path(tempfile.mkdtemp(prefix="portal-bench-quick-")) / "small.json"
        self.stdout.write(f"Quick run, 1 of 2: the pages at {QUICK_SMALL['orders']:,} orders.")
        self.run_child(["--small", "--only=pages", "--output", str(small)], quiet=True)
        self.stdout.write(f"Quick run, 2 of 2: everything at {QUICK['orders']:,} orders.")
        self.run_child(
            ["--output", str(output), "--growth-from", str(small), *[f"--only={part}" for part in only]]
        )
        shutil.rmtree(small.parent, ignore_errors=True)

    def run_child(self, arguments: list[str], *, quiet: bool = False) -> None:
        """``benchmark --quick --inner`` in a child process, on a fresh SQLite database."""
        folder = tempfile.mkdtemp(prefix="portal-bench-quick-")
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(PORTAL_VAR_DIR=folder, DJANGO_SETTINGS_MODULE="portal.settings.bench")
        try:
            result = subprocess.run(
                [sys.executable, "manage.py", "benchmark", "--quick", "--inner", *arguments],
                cwd=settings.BASE_DIR,
                env=env,
                check=False,
                stdout=subprocess.DEVNULL if quiet else None,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if result.returncode:
            raise CommandError(f"The quick benchmark failed (exit status {result.returncode}).")
