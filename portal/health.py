"""``/healthz`` for a load balancer: can this web process reach its database and its broker?"""

import time

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.celery import app

#: Seconds the broker check may take: a health check that hangs is worse than one that fails.
BROKER_TIMEOUT = 2


def check_database() -> None:
    """:raises Exception: the default database cannot answer ``SELECT 1``"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    """:raises Exception: the Celery broker cannot be connected to within ``BROKER_TIMEOUT``"""
    with app.connection_for_write() as conn:
        # Redis reads these when its channel opens (the connect, then a PING); AMQP the attribute.
        conn.transport_options = {
            **conn.transport_options,
            "socket_connect_timeout": BROKER_TIMEOUT,
            "socket_timeout": BROKER_TIMEOUT,
        }
        conn.connect_timeout = BROKER_TIMEOUT
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)


CHECKS = {"database": check_database, "broker": check_broker}


def _run(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure means "down": the body names its kind, not its details
        result = {"ok": False, "error": type(error).__name__}
    else:
        result = {"ok": True}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 and ``{"status": "ok", ...}`` when the database and the broker answer; 503 otherwise."""
    results = {name: _run(check) for name, check in CHECKS.items()}
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse({"status": "ok" if healthy else "fail", **results}, status=200 if healthy else 503)
