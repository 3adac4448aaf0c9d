"""Structured logs: one line per request and per Celery task, as JSON when asked.

``PORTAL_LOG_FORMAT=json`` (see settings) puts :func:`json_formatter` on the console handler, so
every record, including the request and task lines written here, becomes one JSON object per
line. The fields of a request line are ``method``, ``path``, ``status``, ``duration_ms`` and
``user_id``; of a task line ``task``, ``task_id``, ``state`` and ``runtime_ms``.
"""

import logging
import time
from collections.abc import Callable

from celery import signals
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter

request_logger = logging.getLogger("portal.request")
task_logger = logging.getLogger("portal.task")


def json_formatter() -> JsonFormatter:
    """Build python-json-logger's formatter with the portal's field names: ``ts`` (ISO 8601, UTC),
    ``level``, ``logger``, ``message``, every ``extra`` field and, for errors, the traceback in
    ``exc_info``."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="ts",
        json_ensure_ascii=False,
    )


class RequestLogMiddleware:
    """Log each request once it is answered: method, path, status, duration and user id.

    First in the middleware list, so the duration covers every other middleware and the line is
    written even for responses that other middleware produce (redirects, lockouts, 404s).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        request_logger.info(
            "%s %s %s %sms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return response


_task_started: dict[str, float] = {}


def _task_prerun(task_id: str | None = None, **kwargs) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def _task_postrun(task_id: str | None = None, task=None, state: str | None = None, **kwargs) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    runtime_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    name = getattr(task, "name", "")
    task_logger.log(
        logging.INFO if state == "SUCCESS" else logging.WARNING,
        "task %s %s %s %sms",
        name,
        task_id,
        state,
        runtime_ms,
        extra={"task": name, "task_id": task_id, "state": state, "runtime_ms": runtime_ms},
    )


def connect_task_signals() -> None:
    """Log one line when each Celery task finishes (success, failure or retry)."""
    signals.task_prerun.connect(_task_prerun, dispatch_uid="portal.logging.task_prerun", weak=False)
    signals.task_postrun.connect(_task_postrun, dispatch_uid="portal.logging.task_postrun", weak=False)
