"""The dispute page's rendered HTML, cached per viewer under a key made of everything it shows.

A cached copy is never stale because nothing is ever invalidated: the key is a digest of the
page's inputs as this request reads them, so any change to what the page shows is a different
key and the next request renders afresh. The inputs:

- every column of the dispute, its order, store and buyer, a stamp of each list the page shows
  (events, their actors' names, proposals, evidence, refunds, disputed items) and the viewer's
  navigation counts, all read by one query (``selectors.page_stamp``);
- the viewer's own row (names, language, time zone, staff flags) and mediator flag;
- the active language and time zone;
- the one thing that changes with the clock alone: the countdown's "3 days, 4 hours left";
- the code: a digest of the templates, translations, static files, Python sources and the
  policies' numbers, read once per process, so a deploy against a shared cache (Redis) never
  serves the previous release's HTML.

Nothing is cached with DEBUG on (templates are read afresh then, and a copy would hide an edit).
Two parts of a page are never cached: pending flash messages (such a request renders afresh
and stores nothing) and the CSRF token. The copy holds a placeholder where the token goes (the
same in every process, see :func:`csrf_placeholder`), replaced on every response by
``get_token(request)``: each browser gets a token for its own CSRF cookie, freshly masked as
Django does for every response.
"""

import hashlib
import logging
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache as django_cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.timesince import timeuntil

from disputes import policy as dispute_policy
from disputes.selectors import PageStamp
from orders import policy as order_policy
from portal.accounts.models import User
from portal.accounts.roles import is_mediator

logger = logging.getLogger(__name__)

#: A cached copy outlives no change (the key moves on), so the timeout only bounds memory.
TIMEOUT_SECONDS = 10 * 60


def csrf_placeholder() -> str:
    """What stands in for the CSRF token in a cached copy: the same in every process of the
    deployment (a copy stored by one web process is served by another, through a shared cache),
    derived from the secret key and never sent to a browser, so no text on a page (a note, a
    file name) can contain it."""
    return "csrf-" + salted_hmac("disputes.page_cache.csrf", "placeholder").hexdigest()[:32]


_SOURCES = (
    "templates/**/*.html",
    "locale/**/*.mo",
    "static/**/*",
    "disputes/**/*.py",
    "orders/**/*.py",
    "portal/**/*.py",
)
_PACKAGES = ("django", "django-crispy-forms", "crispy-bootstrap5", "django-fsm-2")


@cache
def code_version() -> str:
    """A digest of everything that shapes the page's HTML besides its data."""
    digest = hashlib.sha256()
    for pattern in _SOURCES:
        for path in sorted(path for path in Path(settings.BASE_DIR).glob(pattern) if path.is_file()):
            digest.update(str(path).encode())
            digest.update(path.read_bytes())
    for package in _PACKAGES:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(package.encode())
    # The rules' numbers a deployment sets in its settings show on the page too.
    for policy in (dispute_policy, order_policy):
        digest.update(repr(sorted((k, repr(v)) for k, v in vars(policy).items() if k.isupper())).encode())
    return digest.hexdigest()[:16]


def _viewer(user: User) -> tuple:
    fields = [field.attname for field in user._meta.concrete_fields if field.name != "password"]
    return (tuple(getattr(user, name) for name in fields), is_mediator(user))


def page_key(request: HttpRequest, pk: int, stamp: PageStamp) -> str:
    """The cache key of the page ``request.user`` gets for dispute ``pk`` now."""
    countdown = timeuntil(stamp.deadline_at) if stamp.deadline_at else ""
    inputs = (
        stamp.values,
        _viewer(request.user),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        countdown,
    )
    digest = hashlib.sha256(repr(inputs).encode()).hexdigest()
    return f"dispute-page:{code_version()}:{pk}:{request.user.pk}:{digest}"


def has_pending_messages(request: HttpRequest) -> bool:
    """Whether a flash message waits to be shown (checked without consuming it)."""
    return len(messages.get_messages(request)) > 0


def cached_page(request: HttpRequest, pk: int, stamp: PageStamp | None, render: Callable[[dict], str]) -> str:
    """The page's HTML for this request: from the cache when its inputs are unchanged, otherwise
    rendered by ``render(extra_context)`` (which raises 404 for a stranger) and stored, unless a
    flash message is on it."""
    # With DEBUG, templates are read afresh on every request: a copy would hide an edit to them.
    fresh = settings.DEBUG or stamp is None or has_pending_messages(request)
    key = None if fresh else page_key(request, pk, stamp)
    html = None if key is None else _cached(key)
    if html is None:
        html = render({"csrf_token": csrf_placeholder()})
        if key is not None:
            _store(key, html)
    return html.replace(csrf_placeholder(), get_token(request))


# The cache only saves work: if it cannot be reached (a shared Redis restarting), the page is
# rendered as if nothing were cached, and the failure is logged.
def _cached(key: str) -> str | None:
    try:
        return django_cache.get(key)
    except Exception:
        logger.warning("dispute page cache unavailable; rendering afresh", exc_info=True)
        return None


def _store(key: str, html: str) -> None:
    try:
        django_cache.set(key, html, TIMEOUT_SECONDS)
    except Exception:
        logger.warning("dispute page cache unavailable; page not stored", exc_info=True)
