"""The benchmark: the key pages, the deadline sweep and the web server, measured against the data
in the database, with the issue's targets beside each figure.

Pages are requested in-process through Django's test client (the whole middleware stack, the
view and the template; no network), so "server time" is what Django itself spends. Query counts
come from one extra request under ``CaptureQueriesContext``, for a large and a small account,
so a count that grows with data shows up as two different numbers. The sweep is timed on an
empty scratch database and on the loaded one with the same number of due deadlines. Requests
per second come from ``wrk`` against gunicorn (2 workers), the dispute page and a bare view in
alternating rounds of the same run.
"""

import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Min
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from disputes import policy as dispute_policy
from disputes.models import Dispute, DisputeEvent, Evidence
from orders.models import Order, Refund
from portal import deadlines
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP
from tests.scale.seed import ScaleSeeder

TARGETS = {
    "max_queries_per_page": 12,
    "page_p95_ms": 50,
    "admin_queue_p95_ms": 150,
    "sweep_deadlines_per_s": 500,
    "sweep_slowdown_with_data": 1.2,
    "dispute_page_share_of_bare_rps": 0.5,
}


@dataclass
class PageResult:
    key: str
    label: str
    url: str
    subject: str
    queries: int
    queries_small: int | None
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    target_p95_ms: float

    @property
    def ok(self) -> bool:
        constant = self.queries_small is None or self.queries_small == self.queries
        return (
            constant and self.queries <= TARGETS["max_queries_per_page"] and self.p95_ms <= self.target_p95_ms
        )


@dataclass
class Page:
    key: str
    label: str
    url: str
    user: User
    subject: str
    small_url: str | None = None
    small_user: User | None = None
    target_p95_ms: float = TARGETS["page_p95_ms"]


@dataclass
class Report:
    mode: str
    generated_at: str
    machine: dict
    database: dict
    dataset: dict
    targets: dict = field(default_factory=lambda: dict(TARGETS))
    pages: list = field(default_factory=list)
    sweep: dict = field(default_factory=dict)
    web: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


#: What a run measures; ``manage.py benchmark --only`` picks some of them.
PARTS = ("pages", "sweep", "web")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


class Benchmark:
    def __init__(
        self,
        *,
        mode: str,
        requests: int,
        sweep_due: int,
        wrk_seconds: float,
        wrk_rounds: int,
        scratch_template: Path | None = None,
        parts: tuple[str, ...] = PARTS,
        say: Callable[[str], None] = print,
    ) -> None:
        self.mode = mode
        self.requests = requests
        self.sweep_due = sweep_due
        self.wrk_seconds = wrk_seconds
        self.wrk_rounds = wrk_rounds
        self.scratch_template = scratch_template
        self.parts = parts
        self.say = say

    # --- the run ---------------------------------------------------------------------------------
    def run(self) -> Report:
        report = Report(
            mode=self.mode,
            generated_at=timezone.now().isoformat(timespec="seconds"),
            machine=machine(),
            database=database(),
            dataset=dataset(),
        )
        self.say(
            f"Dataset: {report.dataset['orders']:,} orders, {report.dataset['disputes']:,} disputes "
            f"({report.database['vendor']})."
        )
        pages = self.pages()
        if "pages" in self.parts:
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
                for page in pages:
                    self.say(f"Page: {page.label} ...")
                    report.pages.append(asdict(self.measure_page(page)))
        if "sweep" in self.parts:
            # PostgreSQL: as many sweepers as CPUs, as a deployment here would run (and one, for
            # comparison); SQLite writes one transaction at a time, so one sweeper there.
            sweepers = (os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
            with throwaway_broker():
                self.say(
                    f"Sweep: {self.sweep_due:,} due deadlines, {sweepers} sweeper(s), empty database ..."
                )
                empty = self.measure_sweep(scratch=True, sweepers=sweepers)
                self.say(f"Sweep: {self.sweep_due:,} due, {sweepers} sweeper(s), loaded data ...")
                loaded = self.measure_sweep(scratch=False, sweepers=sweepers)
                one = None
                if sweepers > 1:
                    self.say(f"Sweep: {self.sweep_due:,} due, 1 sweeper, loaded data ...")
                    one = self.measure_sweep(scratch=False, sweepers=1)
            report.sweep = {
                "due": self.sweep_due,
                "sweepers": sweepers,
                "empty": empty,
                "loaded": loaded,
                "slowdown": round(loaded["seconds"] / empty["seconds"], 3),
                "loaded_one_sweeper": one,
            }
        if "web" in self.parts:
            self.say("Web: gunicorn (2 workers) and wrk ...")
            dispute_page = next(page for page in pages if page.key == "buyer_dispute")
            report.web = self.measure_web(dispute_page)
        report.machine["load_after"] = os.getloadavg()
        return report

    # --- pages -----------------------------------------------------------------------------------
    def pages(self) -> list[Page]:
        """The key pages, each for the account with the most rows and for one with the fewest."""
        heavy_buyer, light_buyer = extremes(Order.objects.values("buyer_id"), "buyer_id")
        rich, plain = extremes(
            DisputeEvent.objects.filter(dispute__state__in=Dispute.OPEN_STATES).values("dispute_id"),
            "dispute_id",
        )
        heavy_store, light_store = extremes(Dispute.objects.values("store_id"), "store_id")
        rich, plain = Dispute.objects.get(pk=rich), Dispute.objects.get(pk=plain)
        sellers = dict(
            Dispute.objects.filter(store_id__in=[heavy_store, light_store]).values_list(
                "store_id", "store__owner"
            )
        )
        mediator = (
            User.objects.filter(groups__name=MEDIATORS_GROUP, is_staff=True, is_active=True)
            .order_by("id")
            .first()
        )
        users = User.objects.in_bulk(
            [heavy_buyer, light_buyer, rich.buyer_id, plain.buyer_id, *sellers.values()]
        )
        orders_count = Order.objects.filter(buyer_id=heavy_buyer).count()
        store_disputes = Dispute.objects.filter(store_id=heavy_store, state__in=Dispute.OPEN_STATES).count()
        pages = [
            Page(
                "buyer_orders",
                "Buyer: orders list",
                reverse("orders:list"),
                users[heavy_buyer],
                f"buyer with {orders_count:,} orders",
                reverse("orders:list"),
                users[light_buyer],
            ),
            Page(
                "buyer_dispute",
                "Buyer: dispute page",
                reverse("disputes:detail", args=[rich.pk]),
                users[rich.buyer_id],
                f"open dispute {rich.reference} with {rich.events.count()} events",
                reverse("disputes:detail", args=[plain.pk]),
                users[plain.buyer_id],
            ),
            Page(
                "seller_inbox",
                "Seller: dispute inbox",
                reverse("disputes:seller_list"),
                users[sellers[heavy_store]],
                f"store with {store_disputes:,} open disputes",
                reverse("disputes:seller_list"),
                users[sellers[light_store]],
            ),
        ]
        if mediator is None:
            return pages
        try:
            queue = reverse("admin:disputes_dispute_changelist")
        except Exception:
            queue = None
        if queue is not None:
            pages += [
                Page(
                    "admin_queue",
                    "Admin: mediation queue",
                    queue,
                    mediator,
                    f"{Dispute.objects.count():,} disputes",
                    target_p95_ms=TARGETS["admin_queue_p95_ms"],
                ),
                Page(
                    "admin_case",
                    "Admin: case page",
                    reverse("admin:disputes_dispute_change", args=[rich.pk]),
                    mediator,
                    f"dispute {rich.reference}",
                    reverse("admin:disputes_dispute_change", args=[plain.pk]),
                    mediator,
                ),
            ]
        return pages

    def measure_page(self, page: Page) -> PageResult:
        client = Client()
        client.force_login(page.user)
        queries = count_queries(client, page.url)
        queries_small = None
        if page.small_url is not None:
            small = Client()
            small.force_login(page.small_user)
            queries_small = count_queries(small, page.small_url)
        timings = []
        with override_settings(DEBUG=False):
            for n in range(self.requests + 3):
                started = time.perf_counter()
                response = client.get(page.url)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{page.url} answered {response.status_code}")
                if n >= 3:  # the first requests warm caches and connections
                    timings.append(elapsed)
        return PageResult(
            key=page.key,
            label=page.label,
            url=page.url,
            subject=page.subject,
            queries=queries,
            queries_small=queries_small,
            requests=len(timings),
            p50_ms=round(statistics.median(timings), 2),
            p95_ms=round(percentile(timings, 0.95), 2),
            max_ms=round(max(timings), 2),
            target_p95_ms=page.target_p95_ms,
        )

    # --- the sweep -------------------------------------------------------------------------------
    def measure_sweep(self, *, scratch: bool, sweepers: int) -> dict:
        with scratch_database(self.scratch_template) if scratch else nullcontext():
            sweep_at = first_deadline_ahead()
            not_due = not_yet_due(sweep_at)
            seeder = ScaleSeeder(now=sweep_at, seed=8)
            people = None if scratch else seeder.existing_people()
            seeder.seed_due_disputes(self.sweep_due, sweep_at=sweep_at, people=people)
            started = time.perf_counter()
            applied = deadlines.enforce_side_by_side(now=sweep_at, sweepers=sweepers)
            seconds = time.perf_counter() - started
        done = sum(applied.values())
        return {
            "applied": applied,
            "seconds": round(seconds, 3),
            "deadlines_per_s": round(done / seconds, 1),
            "rows_not_due": not_due,
        }

    # --- the web server --------------------------------------------------------------------------
    def measure_web(self, page: Page) -> dict:
        if shutil.which("wrk") is None:
            return {"skipped": "wrk is not installed (Debian: apt-get install wrk)"}
        client = Client()
        client.force_login(page.user)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        with gunicorn() as base:
            urls = {"bare": base + "/__bench__/bare/", "dispute_page": base + page.url}
            for url in urls.values():
                wait_for(url, cookie)
                wrk(url, cookie, seconds=min(2.0, self.wrk_seconds))  # warm both workers
            rounds = []
            for _round in range(self.wrk_rounds):
                rounds.append({key: wrk(url, cookie, seconds=self.wrk_seconds) for key, url in urls.items()})
        bare = statistics.median(r["bare"]["rps"] for r in rounds)
        dispute = statistics.median(r["dispute_page"]["rps"] for r in rounds)
        return {
            "server": "gunicorn, 2 sync workers, settings portal.settings.bench (DEBUG off)",
            "load": f"wrk -t1 -c4 -d{self.wrk_seconds:g}s, {self.wrk_rounds} alternating round(s)",
            "dispute_page": page.url,
            "bare_rps": round(bare, 1),
            "dispute_page_rps": round(dispute, 1),
            "ratio": round(dispute / bare, 3),
            "rounds": rounds,
        }


# --- helpers ------------------------------------------------------------------------------------
@contextmanager
def nullcontext() -> Iterator[None]:
    yield


def extremes(values, column: str) -> tuple[int, int]:
    """The ``column`` value with the most rows and one with the fewest."""
    counted = values.annotate(n=Count("pk")).order_by("-n", column)
    most = counted.values_list(column, flat=True).first()
    fewest = counted.order_by("n", column).values_list(column, flat=True).first()
    if most is None:
        raise RuntimeError("No data to measure: run seed_scale first.")
    return most, fewest


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # the first request may fill per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(captured.captured_queries)


def first_deadline_ahead() -> datetime:
    """A moment just before anything in the database falls due, so only the benchmark's own
    due deadlines are due then (the seeded data has the clock up to date)."""
    grace = dispute_policy.EVIDENCE_PROCESSING_GRACE
    candidates = [
        Order.objects.filter(deadline_at__isnull=False).aggregate(at=Min("deadline_at"))["at"],
        Dispute.objects.filter(state__in=Dispute.ENFORCED_STATES).aggregate(at=Min("deadline_at"))["at"],
        Dispute.objects.filter(state__in=Dispute.OPEN_STATES, next_reminder_at__isnull=False).aggregate(
            at=Min("next_reminder_at")
        )["at"],
        Refund.objects.filter(status=Refund.Status.PENDING, next_attempt_at__isnull=False).aggregate(
            at=Min("next_attempt_at")
        )["at"],
    ]
    processing = Evidence.objects.filter(status=Evidence.Status.PROCESSING).aggregate(at=Min("received_at"))[
        "at"
    ]
    if processing is not None:
        candidates.append(processing + grace)
    ahead = [moment for moment in candidates if moment is not None]
    return min(ahead) - timedelta(seconds=1) if ahead else timezone.now()


def not_yet_due(at: datetime) -> dict:
    return {
        "orders": Order.objects.count(),
        "orders_with_a_deadline_ahead": Order.objects.filter(deadline_at__gt=at).count(),
        "disputes": Dispute.objects.count(),
        "open_disputes_with_a_deadline_ahead": Dispute.objects.filter(
            state__in=Dispute.OPEN_STATES, deadline_at__gt=at
        ).count(),
    }


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "load_before": os.getloadavg(),
    }


def database() -> dict:
    import sqlite3

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return {"vendor": "postgresql", "version": f"{major}.{minor}"}
    return {"vendor": connection.vendor, "version": sqlite3.sqlite_version}


def dataset() -> dict:
    return {
        "orders": Order.objects.count(),
        "disputes": Dispute.objects.count(),
        "open_disputes": Dispute.objects.filter(state__in=Dispute.OPEN_STATES).count(),
        "dispute_events": DisputeEvent.objects.count(),
    }


@contextmanager
def throwaway_broker() -> Iterator[None]:
    """Jobs the sweep queues go to a temporary filesystem queue that no worker reads."""
    from portal.celery import app

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-broker-"))
    for name in ("queue", "control", "processed"):
        (folder / name).mkdir()
    previous = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "processed_folder": str(folder / "processed"),
        "store_processed": True,
    }
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def scratch_database(template: Path | None) -> Iterator[None]:
    """Point the default connection at a new, migrated, empty database for the block."""
    original = connection.settings_dict["NAME"]
    connection.close()
    if connection.vendor == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-scratch-"))
        path = folder / "scratch.sqlite3"
        if template is not None:
            shutil.copy(template, path)
        connection.settings_dict["NAME"] = str(path)
        try:
            if template is None:
                call_command("migrate", verbosity=0, interactive=False)
            yield
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"{original}_bench_scratch"
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted}")
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn() -> Iterator[str]:
    """gunicorn with 2 workers on a free loopback port, stopped (by its pid) afterwards."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench"}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, once the server has stopped
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def wait_for(url: str, cookie: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer {url} with 200 in {timeout:g} s")
        time.sleep(0.3)


def wrk(url: str, cookie: str, *, seconds: float) -> dict:
    result = subprocess.run(
        ["wrk", "-t1", "-c4", f"-d{seconds:g}s", "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} responses were not 2xx/3xx:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, flags=re.MULTILINE))
    return {"rps": rps, "p50": latency.get("50"), "p99": latency.get("99")}


# --- output -------------------------------------------------------------------------------------
def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), indent=2, default=str) + "\n")


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def table(report: Report) -> list[str]:
    lines = [
        f"Benchmark ({report.mode}) on {report.database['vendor']} {report.database['version']}, "
        f"{report.machine['cpus']} CPUs, load {report.machine['load_before'][0]:.1f}: "
        f"{report.dataset['orders']:,} orders, {report.dataset['disputes']:,} disputes",
        "",
        f"{'page':<26}{'queries (small/large)':>23}{'p50 ms':>9}{'p95 ms':>9}{'target':>9}  result",
    ]
    for page in report.pages:
        result = PageResult(**page)
        small = "-" if result.queries_small is None else str(result.queries_small)
        lines.append(
            f"{result.label:<26}{small + ' / ' + str(result.queries):>23}{result.p50_ms:>9.1f}"
            f"{result.p95_ms:>9.1f}{'≤' + format(result.target_p95_ms, 'g'):>9}  {mark(result.ok)}"
        )
    sweep = report.sweep
    if sweep:
        empty, loaded = sweep["empty"], sweep["loaded"]
        rows = loaded["rows_not_due"]
        lines += [
            "",
            f"Sweep, {sweep['due']:,} due deadlines, {sweep.get('sweepers', 1)} sweeper(s) side by side:",
            f"  empty database:  {empty['seconds']:.2f} s = {empty['deadlines_per_s']:,.0f} deadlines/s",
            f"  with {rows['orders']:,} orders and {rows['disputes']:,} disputes not yet due "
            f"({rows['orders_with_a_deadline_ahead']:,} + {rows['open_disputes_with_a_deadline_ahead']:,} "
            f"with a deadline ahead): {loaded['seconds']:.2f} s = "
            f"{loaded['deadlines_per_s']:,.0f} deadlines/s",
            *(
                [f"  one sweeper, loaded: {sweep['loaded_one_sweeper']['deadlines_per_s']:,.0f} deadlines/s"]
                if sweep.get("loaded_one_sweeper")
                else []
            ),
            f"  slowdown {sweep['slowdown']:.2f}x (target ≤{TARGETS['sweep_slowdown_with_data']}x), "
            f"rate target ≥{TARGETS['sweep_deadlines_per_s']}/s: "
            + mark(
                sweep["slowdown"] <= TARGETS["sweep_slowdown_with_data"]
                and min(empty["deadlines_per_s"], loaded["deadlines_per_s"])
                >= TARGETS["sweep_deadlines_per_s"]
            ),
        ]
    web = report.web
    if web.get("skipped"):
        lines += ["", f"Web: skipped: {web['skipped']}"]
    elif web:
        lines += [
            "",
            f"Web ({web['server']}; {web['load']}):",
            f"  bare view {web['bare_rps']:,.0f} req/s, dispute page {web['dispute_page_rps']:,.0f} req/s: "
            f"{web['ratio']:.0%} (target ≥{TARGETS['dispute_page_share_of_bare_rps']:.0%}) "
            + mark(web["ratio"] >= TARGETS["dispute_page_share_of_bare_rps"]),
        ]
    lines += [f"load average after: {report.machine.get('load_after', ('?',))[0]}"]
    return lines
