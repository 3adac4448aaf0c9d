"""The benchmark: the key pages, the deadline sweep and the web server, measured against the data
in the database, with the issue's targets beside each figure.

Pages are requested in-process through Django's test client (the whole middleware stack, the
view and the template; no network), so "server time" is what Django itself spends. Query counts
come from one extra request under ``CaptureQueriesContext``, for a large and a small account,
so a count that grows with data shows up as two different numbers. The sweep is timed on an
empty scratch database and on the loaded one with the same number of due deadlines. Requests
per second come from ``wrk`` against gunicorn (the README's 2 x cores + 1 workers): a weighted
mix of every page (buyers, sellers and mediators in ``MIX_WEIGHTS``' proportions), the flat mix
(one view of every page in turn) and a bare view, in alternating rounds of the same run.
"""

import json
import logging
import os
import platform
import re
import resource
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
from django.db.models import Min
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from disputes import policy as dispute_policy
from disputes.models import Dispute, DisputeEvent, Evidence
from orders.models import Order, Refund
from portal import deadlines
from portal.accounts.models import User
from tests.scale.growth import lines as growth_lines
from tests.scale.pages import Catalogue, Page
from tests.scale.seed import ScaleSeeder
from tests.scale.uploads import lines as upload_lines
from tests.scale.uploads import measure_uploads

#: The README's production rule: 2 x cores + 1 sync workers per host.
WEB_WORKERS = 2 * (os.cpu_count() or 1) + 1

TARGETS = {
    "max_queries_per_page": 12,
    "page_p95_ms": 50,
    "admin_queue_p95_ms": 150,
    "sweep_deadlines_per_s": 500,
    "sweep_slowdown_with_data": 1.2,
    "mixed_share_of_bare_rps": 0.25,
}
#: The weighted mix's requests per 20 by audience: a marketplace's traffic is mostly buyers
#: (many people, each following a few orders), then sellers (fewer people, each working a whole
#: store's list every day), then a small mediation team (README, "Performance").
MIX_WEIGHTS = {"buyers": 13, "sellers": 5, "mediators": 2}


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
    uploads: dict = field(default_factory=dict)
    growth: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


#: What a run measures; ``manage.py benchmark --only`` picks some of them.
PARTS = ("pages", "sweep", "web", "uploads")


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
        # One log line per request would bury the table.
        for name in ("portal.request", "axes"):
            logging.getLogger(name).setLevel(logging.WARNING)
        pages = self.pages()
        if "pages" in self.parts:
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
                for page in pages:
                    self.say(f"Page: {page.label} ...")
                    report.pages.append(asdict(self.measure_page(page)))
        if "sweep" in self.parts:
            # The target is one sweeper (one worker process); on PostgreSQL also as many side by
            # side as CPUs, as a deployment here would run them. SQLite writes one transaction at
            # a time, so one sweeper there.
            sweepers = (os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
            with throwaway_broker() as broker:
                self.say(f"Sweep: {self.sweep_due:,} due deadlines, 1 sweeper, empty database ...")
                empty = self.measure_sweep(scratch=True, sweepers=1)
                self.say(f"Sweep: {self.sweep_due:,} due, 1 sweeper, loaded data ...")
                loaded = self.measure_sweep(scratch=False, sweepers=1)
                side_by_side = None
                if sweepers > 1:
                    self.say(f"Sweep: {self.sweep_due:,} due, {sweepers} sweepers, loaded data ...")
                    side_by_side = self.measure_sweep(scratch=False, sweepers=sweepers)
            report.sweep = {
                "due": self.sweep_due,
                "broker": broker,
                "sweepers": 1,
                "empty": empty,
                "loaded": loaded,
                "slowdown": round(loaded["seconds"] / empty["seconds"], 3),
                "loaded_side_by_side": side_by_side,
                "side_by_side_sweepers": sweepers,
            }
        if "uploads" in self.parts:
            self.say("Uploads: a 12 MP phone photo, checked and re-encoded ...")
            report.uploads = measure_uploads()
        if "web" in self.parts:
            self.say(f"Web: gunicorn ({WEB_WORKERS} workers) and wrk, a mixed workload and a bare view ...")
            report.web = self.measure_web(pages)
        report.machine["load_after"] = os.getloadavg()
        return report

    # --- pages -----------------------------------------------------------------------------------
    def pages(self) -> list[Page]:
        """Every page users and mediators open, each with distinct views (``tests.scale.pages``)."""
        return Catalogue(views=self.requests).pages()

    def measure_page(self, page: Page) -> PageResult:
        """Each view once, as its viewer's first look at it; the first view warms the process up
        and is not timed. Queries are counted afterwards, for the first and the last viewer.

        One client (one handler, its middleware loaded once, as a server process does) carries
        each viewer's own session in turn: a client per viewer would load the middleware, and
        scan every static file, inside each viewer's first timed request."""
        sessions: dict[int, str] = {}
        client = Client()

        def client_for(user: User) -> Client:
            if user.pk not in sessions:
                client.cookies.pop(settings.SESSION_COOKIE_NAME, None)  # a new session, not theirs
                client.force_login(user)
                sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[user.pk]
            return client

        for user, _url in page.views:
            client_for(user)
        timings = []
        with override_settings(DEBUG=False):
            for index, (user, url) in enumerate(page.views):
                client = client_for(user)
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code} to {user.username}")
                if index:
                    timings.append(elapsed)
        (first_user, first_url), (last_user, last_url) = page.views[1], page.views[-1]
        return PageResult(
            key=page.key,
            label=page.label,
            url=first_url,
            subject=page.subject,
            queries=count_queries(client_for(first_user), first_url),
            queries_small=count_queries(client_for(last_user), last_url),
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
            started, cpu_before = time.perf_counter(), cpu_seconds()
            applied = deadlines.enforce_side_by_side(now=sweep_at, sweepers=sweepers)
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
        done = sum(applied.values())
        return {
            "applied": applied,
            "seconds": round(seconds, 3),
            "deadlines_per_s": round(done / seconds, 1),
            # The sweepers' own CPU (the database's is not counted): steadier than the wall clock
            # on a machine whose other jobs take turns with the sweep.
            "cpu_seconds": round(cpu, 3),
            "deadlines_per_cpu_s": round(done / cpu, 1) if cpu else None,
            "rows_not_due": not_due,
        }

    # --- the web server --------------------------------------------------------------------------
    def measure_web(self, pages: list[Page]) -> dict:
        """Two mixed workloads of buyers, sellers and mediators against gunicorn, each request a
        view of a page with its viewer's session, next to a bare view in the same run: the
        weighted mix (``MIX_WEIGHTS``: a marketplace's traffic) is the target's figure, the flat
        one (one view of every page in turn) is printed beside it."""
        if shutil.which("wrk") is None:
            return {"skipped": "wrk is not installed (Debian: apt-get install wrk)"}
        cookies: dict[int, str] = {}

        def with_cookies(order: list[tuple[User, str]]) -> list[tuple[str, str]]:
            views = []
            for user, url in order:
                if user.pk not in cookies:
                    client = Client()
                    client.force_login(user)
                    cookies[user.pk] = (
                        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
                    )
                views.append((url, cookies[user.pk]))
            return views

        workloads = {"mixed": with_cookies(weighted(pages)), "flat": with_cookies(mixed(pages))}
        weighted_views, flat_views = workloads["mixed"], workloads["flat"]
        # Where each workload's rotation has got to: every wrk run starts at the view after the last
        # one served, so a later round (or the warm-up) never repeats a response already served.
        served = dict.fromkeys(workloads, 0)
        with tempfile.TemporaryDirectory(prefix="portal-bench-wrk-") as folder:

            def run(name: str, base: str, seconds: float) -> dict:
                views = workloads[name]
                script = Path(folder) / f"{name}.lua"
                script.write_text(lua_rotation(views, start=served[name] % len(views)))
                result = wrk(base + "/", "", seconds=seconds, script=script)
                served[name] += result["requests"]
                return result

            with gunicorn() as base:
                wait_for(base + flat_views[0][0], flat_views[0][1])
                bare_url = base + "/__bench__/bare/"
                warm = min(2.0, self.wrk_seconds)
                wrk(bare_url, flat_views[0][1], seconds=warm)  # warm both workers
                run("flat", base, warm)
                rounds = []
                for _round in range(self.wrk_rounds):
                    rounds.append(
                        {
                            "bare": wrk(bare_url, flat_views[0][1], seconds=self.wrk_seconds),
                            **{name: run(name, base, self.wrk_seconds) for name in workloads},
                        }
                    )
        bare = statistics.median(r["bare"]["rps"] for r in rounds)
        mixed_rps = statistics.median(r["mixed"]["rps"] for r in rounds)
        flat_rps = statistics.median(r["flat"]["rps"] for r in rounds)
        shares = ", ".join(f"{who} {weight}" for who, weight in MIX_WEIGHTS.items())
        return {
            "server": f"gunicorn, {WEB_WORKERS} sync workers, settings portal.settings.bench (DEBUG off)",
            "load": f"wrk -t1 -c4 -d{self.wrk_seconds:g}s, {self.wrk_rounds} alternating round(s)",
            "weights": dict(MIX_WEIGHTS),
            "mixed": f"per {sum(MIX_WEIGHTS.values())} requests {shares}: {len(weighted_views)} requests "
            f"covering every view of {len(pages)} pages",
            "flat": f"{len(flat_views)} distinct views of {len(pages)} pages, one of each page in turn",
            "bare_rps": round(bare, 1),
            "mixed_rps": round(mixed_rps, 1),
            "mixed_p99": rounds[-1]["mixed"]["p99"],
            "ratio": round(mixed_rps / bare, 3),
            "flat_rps": round(flat_rps, 1),
            "flat_p99": rounds[-1]["flat"]["p99"],
            "flat_ratio": round(flat_rps / bare, 3),
            "rounds": rounds,
        }


def per_cpu(run: dict) -> str:
    rate = run.get("deadlines_per_cpu_s")
    return f" ({rate:,.0f} per CPU-second of the sweeper)" if rate else ""


def mixed(pages: list[Page]) -> list[tuple[User, str]]:
    """The views of all pages interleaved (one of each page in turn), so that consecutive
    requests are different pages by different people."""
    queues = [list(page.views) for page in pages]
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


def weighted(pages: list[Page], weights: dict[str, int] = MIX_WEIGHTS) -> list[tuple[User, str]]:
    """The views of all pages in the proportions of ``weights`` (per audience, spread evenly by a
    smooth weighted round-robin), each audience's pages taking turns as in :func:`mixed`. It runs
    whole rounds of ``sum(weights)`` requests until every view of every page has come at least
    once, so a lighter audience's views come once and a heavier one's come round again."""
    audiences = {who: mixed([page for page in pages if page.audience == who]) for who in weights}
    audiences = {who: views for who, views in audiences.items() if views}
    total = sum(weights[who] for who in audiences)
    credit = dict.fromkeys(audiences, 0)
    served = dict.fromkeys(audiences, 0)
    order: list[tuple[User, str]] = []
    while any(served[who] < len(views) for who, views in audiences.items()) or len(order) % total:
        for who in audiences:
            credit[who] += weights[who]
        who = max(audiences, key=lambda name: credit[name])
        credit[who] -= total
        order.append(audiences[who][served[who] % len(audiences[who])])
        served[who] += 1
    return order


def lua_rotation(views: list[tuple[str, str]], start: int = 0) -> str:
    """A wrk script that requests ``views`` (path, session cookie) one after the other, beginning
    with ``views[start]`` (and round again from the first after the last)."""
    rows = ",\n".join(f"  {{{json.dumps(path)}, {json.dumps(cookie)}}}" for path, cookie in views)
    return (
        f"local views = {{\n{rows}\n}}\nlocal i = {start}\n"
        "request = function()\n"
        "  i = i % #views + 1\n"
        '  return wrk.format("GET", views[i][1], {["Cookie"] = views[i][2]})\n'
        "end\n"
    )


# --- helpers ------------------------------------------------------------------------------------
@contextmanager
def nullcontext() -> Iterator[None]:
    yield


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # the first request may fill per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(captured.captured_queries)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (side-by-side sweepers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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
def throwaway_broker() -> Iterator[str]:
    """Jobs the sweep queues go to a queue no worker reads, on the broker a deployment of this
    database would use: a throwaway Redis next to PostgreSQL (the README's scale-out setup) when
    ``redis-server`` is installed, else a temporary filesystem queue (the embedded default).
    Yields the broker's description for the report."""
    from portal.celery import app

    previous = app.conf.broker_url, app.conf.broker_transport_options
    redis = shutil.which("redis-server") if connection.vendor == "postgresql" else None
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-broker-"))
    server = None
    try:
        if redis:
            port = free_port()
            server = subprocess.Popen(
                [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for_port(port)
            app.conf.broker_url, app.conf.broker_transport_options = f"redis://127.0.0.1:{port}/0", {}
            yield "Redis (throwaway)"
        else:
            for name in ("queue", "control", "processed"):
                (folder / name).mkdir()
            app.conf.broker_url = "filesystem://"
            app.conf.broker_transport_options = {
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "control_folder": str(folder / "control"),
                "processed_folder": str(folder / "processed"),
                "store_processed": True,
            }
            yield "filesystem queue (throwaway)"
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


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
    """gunicorn with the README's workers per host on a free loopback port, stopped (by its pid)
    afterwards."""
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
            str(WEB_WORKERS),
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


def wrk(url: str, cookie: str, *, seconds: float, script: Path | None = None) -> dict:
    options = ["-s", str(script)] if script is not None else ["-H", f"Cookie: {cookie}"]
    result = subprocess.run(
        ["wrk", "-t1", "-c4", f"-d{seconds:g}s", "--latency", *options, url],
        capture_output=True,
        text=True,
    )
    out = result.stdout
    if result.returncode:
        raise RuntimeError(f"wrk {url} {script or ''} failed ({result.returncode}):\n{out}{result.stderr}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} responses were not 2xx/3xx:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, flags=re.MULTILINE))
    return {"rps": rps, "requests": requests, "p50": latency.get("50"), "p99": latency.get("99")}


# --- output -------------------------------------------------------------------------------------
def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), indent=2, default=str) + "\n")


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def table(report: Report) -> list[str]:
    width = max([34] + [len(f"{page['label']} ({page['requests']}) ") for page in report.pages])
    lines = [
        f"Benchmark ({report.mode}) on {report.database['vendor']} {report.database['version']}, "
        f"{report.machine['cpus']} CPUs, load {report.machine['load_before'][0]:.1f}: "
        f"{report.dataset['orders']:,} orders, {report.dataset['disputes']:,} disputes",
        "",
        f"{'page (distinct first views)':<{width}}{'queries (last/first)':>21}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'target':>9}  result{'max ms':>9}",
    ]
    for page in report.pages:
        result = PageResult(**page)
        small = "-" if result.queries_small is None else str(result.queries_small)
        lines.append(
            f"{result.label + f' ({result.requests})':<{width}}{small + ' / ' + str(result.queries):>21}"
            f"{result.p50_ms:>9.1f}{result.p95_ms:>9.1f}{'≤' + format(result.target_p95_ms, 'g'):>9}"
            # The slowest view, which the p95 of 60 can hide (one search matching every order).
            f"  {mark(result.ok):<6}{result.max_ms:>9.1f}"
        )
    sweep = report.sweep
    if sweep:
        empty, loaded = sweep["empty"], sweep["loaded"]
        rows = loaded["rows_not_due"]
        lines += [
            "",
            f"Sweep, {sweep['due']:,} due deadlines, one sweeper (jobs to a {sweep.get('broker', 'queue')}):",
            f"  empty database:  {empty['seconds']:.2f} s = {empty['deadlines_per_s']:,.0f} deadlines/s"
            + per_cpu(empty),
            f"  with {rows['orders']:,} orders and {rows['disputes']:,} disputes not yet due "
            f"({rows['orders_with_a_deadline_ahead']:,} + {rows['open_disputes_with_a_deadline_ahead']:,} "
            f"with a deadline ahead): {loaded['seconds']:.2f} s = "
            f"{loaded['deadlines_per_s']:,.0f} deadlines/s" + per_cpu(loaded),
            *(
                [
                    f"  {sweep['side_by_side_sweepers']} sweepers side by side, loaded: "
                    f"{sweep['loaded_side_by_side']['deadlines_per_s']:,.0f} deadlines/s"
                ]
                if sweep.get("loaded_side_by_side")
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
            f"  weighted mix: {web.get('mixed', 'mixed workload')}",
            f"  bare view {web['bare_rps']:,.0f} req/s, weighted mix {web['mixed_rps']:,.0f} req/s "
            f"(p99 {web.get('mixed_p99')}): {web['ratio']:.0%} "
            f"(target ≥{TARGETS['mixed_share_of_bare_rps']:.0%}) "
            + mark(web["ratio"] >= TARGETS["mixed_share_of_bare_rps"]),
        ]
        if "flat_rps" in web:
            lines += [
                f"  flat mix: {web['flat']}",
                f"  flat mix {web['flat_rps']:,.0f} req/s (p99 {web.get('flat_p99')}): "
                f"{web['flat_ratio']:.0%} of the bare view",
            ]
    lines += upload_lines(report.uploads) + growth_lines(report.growth)
    lines += [f"load average after: {report.machine.get('load_after', ('?',))[0]}"]
    return lines
