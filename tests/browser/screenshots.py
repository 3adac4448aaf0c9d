"""Screenshots of each role's main pages for the README: ``python -m tests.browser.screenshots``.

Loads the demo (``seed_demo``) into a throwaway database, starts the development server on a free
port with the development settings (DEBUG off, as ``make run``), signs in as each demo account
through the login form and saves each page at 390 px (a phone) and 1366 px (a laptop) into
``static/docs/`` as ``<role>-<page>-<width>.png``: cut to a readable height and reduced to 256
colours, so each stays near 100 KB. Needs Debian's Chromium (``CHROMIUM_PATH``), never
``playwright install``. ``--only buyer`` (or seller, olga, mediator, errors) takes one role's pages.
"""

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "static" / "docs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTHS = {390: 844, 1366: 900}
#: The longest part of a page kept, as a multiple of the window's height.
MAX_SCREENS = {390: 2.6, 1366: 1.6}
PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class Shot:
    role: str
    username: str
    name: str
    #: The address, or a ``{dispute:<order number>}`` / ``{order:<n>}`` placeholder resolved below.
    path: str
    admin: bool = False


def shots(numbers: dict[str, str]) -> list[Shot]:
    """The pages to take, with the demo's dispute ids filled in (``numbers``: story -> order number)."""
    return [
        Shot("buyer", "jack_buyer", "orders", "/orders/"),
        Shot("buyer", "jack_buyer", "disputes", "/disputes/"),
        Shot("buyer", "jack_buyer", "dispute-return", f"/disputes/{numbers['awaiting_return']}/"),
        Shot("buyer", "jack_buyer", "order", f"/orders/{numbers['awaiting_return_order']}/"),
        Shot("buyer", "jack_buyer", "messages", "/messages/"),
        Shot("olga", "olga_buyer", "dispute-offer", f"/disputes/{numbers['awaiting_buyer']}/"),
        Shot("seller", "lin_seller", "disputes", "/seller/disputes/"),
        Shot("seller", "lin_seller", "dispute-answer", f"/disputes/{numbers['awaiting_seller']}/"),
        Shot("seller", "lin_seller", "orders", "/seller/orders/"),
        Shot("seller", "lin_seller", "return-policy", "/seller/return-policy/"),
        Shot("mediator", "maria_mediator", "home", "/admin/", admin=True),
        Shot("mediator", "maria_mediator", "queue", "/admin/disputes/dispute/", admin=True),
        Shot(
            "mediator",
            "maria_mediator",
            "case",
            f"/admin/disputes/dispute/{numbers['evidence_requested']}/change/",
            admin=True,
        ),
        Shot("mediator", "maria_mediator", "statistics", "/admin/disputes/dispute/statistics/", admin=True),
        Shot(
            "mediator",
            "admin",
            "appeal",
            f"/admin/disputes/appeal/{numbers['appeal_in_review']}/change/",
            admin=True,
        ),
        Shot("errors", "jack_buyer", "404", "/orders/AE-NO-SUCH-ORDER/"),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*args: str, env: dict) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def demo_numbers(env: dict) -> dict[str, str]:
    """The ids the pages need, read from the demo database by a short ``manage.py shell``."""
    script = (
        "from disputes.models import Dispute\n"
        "for state in ('awaiting_return', 'awaiting_buyer', 'awaiting_seller', 'evidence_requested'):\n"
        "    d = Dispute.objects.filter(state=state, store__owner__username__in=['lin_seller', 'ana_seller'])"
        ".order_by('store__owner__username', 'id').last()\n"
        "    print(state, d.pk, d.order.number)\n"
        "from disputes.models import Appeal\n"
        "a = Appeal.objects.get(state='in_review')\n"
        "print('appeal_in_review', a.pk, a.dispute.order.number)\n"
    )
    numbers = {}
    for line in manage("shell", "-c", script, env=env).splitlines():
        parts = line.split()
        if len(parts) == 3:
            state, pk, order = parts
            numbers[state], numbers[f"{state}_order"] = pk, order
    return numbers


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _attempt in range(120):
        if server.poll() is not None:
            raise SystemExit(f"The development server stopped (exit code {server.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"The development server did not answer at {url}.")


def save(png: bytes, path: Path, *, width: int) -> int:
    """Cut the page to a readable height, reduce it to 256 colours and save it; returns bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    keep = int(WIDTHS[width] * MAX_SCREENS[width])
    if image.height > keep:
        image = image.crop((0, 0, image.width, keep))
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    image.save(path, "PNG", optimize=True)
    return path.stat().st_size


def log_in(page, base_url: str, username: str, *, admin: bool) -> None:
    page.goto(f"{base_url}{'/admin/login/' if admin else '/accounts/login/'}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()


def take(base_url: str, wanted: list[Shot]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    taken = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for width, height in WIDTHS.items():
                sessions: dict[tuple[str, bool], object] = {}
                for shot in wanted:
                    key = (shot.username, shot.admin)
                    if key not in sessions:
                        context = browser.new_context(viewport={"width": width, "height": height})
                        page = context.new_page()
                        log_in(page, base_url, shot.username, admin=shot.admin)
                        sessions[key] = page
                    page = sessions[key]
                    page.goto(f"{base_url}{shot.path}")
                    page.wait_for_load_state("networkidle")
                    path = DOCS / f"{shot.role}-{shot.name}-{width}.png"
                    size = save(page.screenshot(full_page=True), path, width=width)
                    print(f"{path.relative_to(ROOT)}  {size // 1024} KB")
                    taken.append(path)
        finally:
            browser.close()
    return taken


@contextmanager
def demo_site() -> Iterator[tuple[str, dict]]:
    """The demo (``seed_demo``) in a throwaway SQLite database, served by the development server
    on a free port with DEBUG off (as ``make run``): yields its base URL and its environment."""
    with tempfile.TemporaryDirectory(prefix="portal-demo-site-") as var_dir:
        env = {
            **os.environ,
            "PORTAL_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "DJANGO_DEBUG": "false",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)  # always the throwaway SQLite database
        Path(var_dir, "staticfiles").mkdir()
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", env=env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base_url}/accounts/login/", server)
            yield base_url, env
        finally:
            server.terminate()
            server.wait(timeout=20)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["buyer", "olga", "seller", "mediator", "errors"], action="append")
    options = parser.parse_args(argv)
    with demo_site() as (base_url, env):
        wanted = [shot for shot in shots(demo_numbers(env)) if not options.only or shot.role in options.only]
        DOCS.mkdir(parents=True, exist_ok=True)
        taken = take(base_url, wanted)
    print(f"{len(taken)} screenshots in {DOCS.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
