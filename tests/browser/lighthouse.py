"""Lighthouse on every buyer and seller page type: ``python -m tests.browser.lighthouse``.

Loads the demo (``seed_demo``) into a throwaway database, starts the development server on a free
port the way ``make run`` serves pages (DEBUG off, static files by WhiteNoise), signs each demo
account in and runs Lighthouse's mobile audit of accessibility, best practices and SEO on each
page with Debian's Chromium (``CHROMIUM_PATH``; never ``playwright install``). ``lighthouse.mjs``
drives one Chromium per job through Lighthouse's Node API with the account's session cookie in the
browser's cookie jar: passed as a header (the CLI's ``--extra-headers``) it did not reach every
request, and the admin's ``jsi18n`` script came back as the login page.

Prints a table of scores per page and the failing audits, writes
the JSON reports to ``test-artifacts/lighthouse/``, and exits 1 when a buyer or seller page
scores below ``TARGETS`` (the mediator's console is measured and shown, not gated: its pages are
Django's admin).

Lighthouse itself is an npm package pinned in ``package.json``/``package-lock.json``: ``npm ci``
once (it installs into the git-ignored ``node_modules/``). Performance is left out: the
development server on a shared machine says nothing about production timing (see ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.browser.screenshots import CHROMIUM, ROOT, demo_site, manage

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse"
RUNNER = Path(__file__).with_suffix(".mjs")
REPORTS = ROOT / "test-artifacts" / "lighthouse"
CATEGORIES = ("accessibility", "best-practices", "seo")
#: The least score (0 to 100) each category must reach on every buyer and seller page.
TARGETS = {"accessibility": 100, "best-practices": 100, "seo": 100}
GATED_ROLES = {"buyer", "seller"}


def demo_pages(env: dict) -> dict:
    out = manage("shell", "-c", "from tests.browser.lighthouse_pages import main; main()", env=env)
    return json.loads(out.strip().splitlines()[-1])


def scores(report: dict) -> dict[str, int | None]:
    found = {}
    for category in CATEGORIES:
        score = report.get("categories", {}).get(category, {}).get("score")
        found[category] = None if score is None else round(score * 100)
    return found


def failing_audits(report: dict) -> list[str]:
    """The audits that cost points: each weighted audit scoring below 1, with what it flagged."""
    lines = []
    for category in report.get("categories", {}).values():
        for ref in category["auditRefs"]:
            result = report["audits"][ref["id"]]
            if ref["weight"] and result["score"] is not None and result["score"] < 1:
                items = (result.get("details") or {}).get("items") or []
                where = [_where(item) for item in items[:3]]
                lines.append(f"{ref['id']}: {result['title']} {[w[:100] for w in where if w]}")
    return lines


def _where(item: dict) -> str:
    return (item.get("node") or {}).get("snippet") or item.get("url") or item.get("description") or ""


def run(base_url: str, found: dict, jobs: int) -> list[tuple[dict, dict]]:
    """Lighthouse on every page, split between ``jobs`` Chromium processes (``lighthouse.mjs``)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    pages = [
        {**page, "report": str(REPORTS / f"{page['role']}-{page['name'].replace(' ', '-')}.json")}
        for page in found["pages"]
    ]
    for page in pages:
        Path(page["report"]).unlink(missing_ok=True)
    runners = []
    with tempfile.TemporaryDirectory(prefix="portal-lighthouse-jobs-") as folder:
        for number in range(jobs):
            job = Path(folder, f"job-{number}.json")
            job.write_text(
                json.dumps(
                    {
                        "base_url": base_url,
                        "chromium": CHROMIUM,
                        "categories": list(CATEGORIES),
                        "cookie_name": found["cookie_name"],
                        "cookies": found["cookies"],
                        "pages": pages[number::jobs],
                    }
                )
            )
            runners.append(subprocess.Popen(["node", str(RUNNER), str(job)], cwd=ROOT))
        for runner in runners:
            runner.wait(timeout=900)
    return [(page, _report(Path(page["report"]))) for page in pages]


def _report(path: Path) -> dict:
    if not path.exists():
        return {"runtimeError": {"message": "Lighthouse wrote no report"}, "categories": {}}
    return json.loads(path.read_text())


def table(results: list[tuple[dict, dict]]) -> tuple[str, list[str]]:
    """The score table, and the lines that say which gated page misses a target and why."""
    header = f"{'role':<9} {'page':<30} {'a11y':>5} {'best':>5} {'seo':>5}  address"
    rows, misses = [header, "-" * len(header)], []
    for page, report in results:
        got = scores(report)
        cells = " ".join(f"{'—' if got[c] is None else got[c]:>5}" for c in CATEGORIES)
        rows.append(f"{page['role']:<9} {page['name']:<30} {cells}  {page['path']}")
        short = [c for c in CATEGORIES if got[c] is None or got[c] < TARGETS[c]]
        if short and page["role"] in GATED_ROLES:
            error = report.get("runtimeError")
            why = [error["message"]] if error else failing_audits(report)
            misses.append(f"{page['role']} {page['name']} {page['path']}: below target in {short}")
            misses.extend(f"    {line}" for line in why)
        elif short:
            rows.extend(f"{'':<9}   ({line})" for line in failing_audits(report))
    return "\n".join(rows), misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["buyer", "seller", "mediator"], action="append")
    parser.add_argument("--jobs", type=int, default=2, help="Lighthouse runs at once (default 2)")
    options = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE.relative_to(ROOT)} is missing: run `npm ci` in {ROOT} first.")
    started = time.monotonic()
    with demo_site() as (base_url, env):
        found = demo_pages(env)
        if options.only:
            found["pages"] = [page for page in found["pages"] if page["role"] in options.only]
        results = run(base_url, found, options.jobs)
    rows, misses = table(results)
    print(rows)
    took = time.monotonic() - started
    print(f"\n{len(results)} pages in {took:.0f}s; reports in {REPORTS.relative_to(ROOT)}/")
    targets = ", ".join(f"{category} {score}" for category, score in TARGETS.items())
    if misses:
        print(f"\nBelow the target ({targets}) on buyer and seller pages:")
        print("\n".join(misses))
        return 1
    print(f"Every buyer and seller page reaches the target ({targets}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
