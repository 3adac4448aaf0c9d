"""Operations: ``/healthz`` for the load balancer, and one structured log line per request and task."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse

from portal.celery import app as celery_app
from portal.logging import json_formatter

ROOT = Path(__file__).resolve().parents[2]


# --- /healthz ------------------------------------------------------------------------------------------
def test_healthz_is_200_when_the_database_and_the_broker_answer(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["broker"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_login_and_answers_get_only(client, db):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.fixture
def broker_at(monkeypatch):
    """Point the Celery app at another broker URL for the test."""

    original = celery_app.conf.broker_url

    def point(url: str) -> None:
        # Celery prefers the environment variable to its configuration when both are set.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.broker_url = url

    yield point
    # Set back explicitly: monkeypatch's restore of Celery's computed setting does not stick,
    # and a later health check would still dial the fake broker.
    celery_app.conf.broker_url = original


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_is_503_when_the_broker_refuses_connections(client, db, broker_at):
    broker_at(f"redis://127.0.0.1:{_closed_port()}/0")

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["broker"]["ok"] is False and body["database"]["ok"] is True
    assert set(body["broker"]) == {"ok", "error", "ms"}, "only the kind of error, never its details"


def test_healthz_gives_up_on_a_broker_that_never_answers_within_seconds(client, db, broker_at):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept_and_say_nothing():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    broker_at(f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    try:
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()

    assert response.status_code == 503
    assert elapsed < 6, f"the broker check took {elapsed:.1f}s"


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr("portal.health.connection", Unreachable())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": pytest.approx(0, abs=50),
    }


# --- structured logs -----------------------------------------------------------------------------------
def test_a_request_writes_one_line_with_method_path_status_duration_and_user(client, buyer, caplog):
    client.force_login(buyer)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        client.get(reverse("orders:list"))

    (record,) = [r for r in caplog.records if r.name == "portal.request"]
    line = json.loads(json_formatter().format(record))
    assert line["method"] == "GET" and line["path"] == "/orders/"
    assert line["status"] == 200 and line["user_id"] == buyer.pk
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "portal.request"
    assert datetime.fromisoformat(line["ts"]).utcoffset() == timedelta(0)


def test_an_anonymous_request_is_logged_without_a_user(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="portal.request"):
        client.get(reverse("orders:list"))

    (record,) = [r for r in caplog.records if r.name == "portal.request"]
    assert (record.status, record.user_id) == (302, None)


def test_a_task_writes_one_line_with_its_name_id_state_and_runtime(db, caplog):
    from portal.tasks import enforce_deadlines

    with caplog.at_level(logging.INFO, logger="portal.task"):
        result = enforce_deadlines.apply()

    (record,) = [r for r in caplog.records if r.name == "portal.task"]
    line = json.loads(json_formatter().format(record))
    assert line["task"] == "portal.tasks.enforce_deadlines" and line["task_id"] == result.id
    assert line["state"] == "SUCCESS" and line["runtime_ms"] >= 0


def test_a_failed_task_is_logged_as_a_warning_with_its_state(caplog):
    @celery_app.task(name="tests.reliability.fails")
    def fails():
        raise ValueError("nope")

    with caplog.at_level(logging.INFO, logger="portal.task"):
        fails.apply(throw=False)

    (record,) = [r for r in caplog.records if r.name == "portal.task"]
    assert (record.levelname, record.state) == ("WARNING", "FAILURE")


def test_an_error_line_carries_its_traceback():
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = json.loads(json_formatter().format(record))
    assert line["message"] == "failed" and "ValueError: broken" in line["exc_info"]


SWITCHED_ON = """
import django
django.setup()
from django.test import Client
from portal.celery import app

@app.task(name="probe")
def probe():
    return 1

Client(HTTP_HOST="127.0.0.1").get("/healthz")
probe.apply()
"""


def test_portal_log_format_json_turns_every_line_into_json(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        PORTAL_LOG_FORMAT="json",
        PORTAL_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", SWITCHED_ON], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    request = [line for line in lines if line["logger"] == "portal.request"]
    task = [line for line in lines if line["logger"] == "portal.task"]
    assert [(r["method"], r["path"], r["status"]) for r in request] == [("GET", "/healthz", 200)]
    assert [(t["task"], t["state"]) for t in task] == [("probe", "SUCCESS")]
