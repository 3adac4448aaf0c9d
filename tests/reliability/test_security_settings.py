"""Production settings pass ``check --deploy``; logins are throttled; no page needs inline script or
style, so the Content Security Policy can forbid them; private files are served so a browser
never runs them."""

import importlib
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from disputes.evidence import process_evidence
from disputes.forms import check_evidence
from disputes.models import Dispute
from messaging import attachments
from messaging import services as messaging
from messaging.models import MessageAttachment
from tests.factories import PASSWORD, image_upload, open_dispute_for, shipped_order

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
#: E-mail bodies are read by mail clients, not browsers under this site's CSP.
EMAIL_TEMPLATES = {"notifications/email.html"}

INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Inline style attributes, event handlers and scripts a strict CSP would block."""
    found = [m.group(0)[:120] for m in INLINE_STYLE.finditer(html)]
    found += [m.group(0)[:120] for m in INLINE_HANDLER.finditer(html)]
    for match in SCRIPT_TAG.finditer(html):
        attributes = match.group(1)
        if "src=" not in attributes and "application/json" not in attributes:
            found.append(match.group(0))
    return found


# --- production settings ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prod():
    """The production settings module, as a deployment with a real secret key loads it."""
    secret = "x7#Qp!v9Lm2@rT5^wZ8&kB4*nC6(hJ1)sD3-fG0=aE+yU_iO.Vt3$bN"
    previous = os.environ.get("DJANGO_SECRET_KEY")
    os.environ["DJANGO_SECRET_KEY"] = secret
    try:
        module = importlib.reload(importlib.import_module("portal.settings.prod"))
    finally:
        if previous is None:
            del os.environ["DJANGO_SECRET_KEY"]
        else:
            os.environ["DJANGO_SECRET_KEY"] = previous
    return module


def production_overrides(prod) -> dict:
    """What production changes from the base settings, minus what the test process cannot take."""
    base = importlib.import_module("portal.settings.base")
    skip = {"STORAGES", "DATABASES", "EMAIL_BACKEND", "LOGGING", "INSTALLED_APPS", "CELERY_BROKER_URL"}
    overrides = {
        name: getattr(prod, name)
        for name in dir(prod)
        if name.isupper() and name not in skip and getattr(prod, name) != getattr(base, name, object())
    }
    overrides["AXES_ENABLED"] = True  # the test settings turn it off; production never does
    return overrides


def test_check_deploy_reports_nothing_for_the_production_settings(prod):
    # As a deployment sets them: the payment checks refuse production without Stripe's keys.
    stripe = {"STRIPE_API_KEY": "sk_test_ci", "STRIPE_WEBHOOK_SECRET": "whsec_ci"}
    with override_settings(**production_overrides(prod), **stripe, ALLOWED_HOSTS=["portal.example"]):
        call_command("check", deploy=True, fail_level="WARNING")


def test_production_sends_cookies_over_https_only_and_asks_for_hsts(prod):
    assert prod.DEBUG is False
    assert prod.SESSION_COOKIE_SECURE and prod.CSRF_COOKIE_SECURE
    assert prod.SECURE_SSL_REDIRECT
    assert prod.SECURE_HSTS_SECONDS >= 365 * 24 * 3600 and prod.SECURE_HSTS_INCLUDE_SUBDOMAINS
    assert getattr(prod, "AXES_ENABLED", True) is True


def test_a_production_response_carries_hsts_and_its_cookies_are_secure(prod, buyer):
    with override_settings(**production_overrides(prod), ALLOWED_HOSTS=["portal.example"]):
        client = Client(HTTP_HOST="portal.example")
        insecure = client.get("/accounts/login/")
        assert insecure.status_code == 301 and insecure["Location"].startswith("https://")
        response = client.post(
            "/accounts/login/", {"username": buyer.username, "password": PASSWORD}, secure=True
        )
    assert response.status_code == 302
    assert "max-age=31536000" in response["Strict-Transport-Security"]
    assert response.cookies["sessionid"]["secure"] and response.cookies["sessionid"]["httponly"]
    assert response.cookies["csrftoken"]["secure"]


def test_health_checks_over_plain_http_are_not_redirected(prod, db):
    with override_settings(**production_overrides(prod), ALLOWED_HOSTS=["portal.example"]):
        response = Client(HTTP_HOST="portal.example").get("/healthz")
    assert response.status_code == 200, response.json()


# --- login throttling ----------------------------------------------------------------------------------
@pytest.fixture
def axes_on():
    with override_settings(AXES_ENABLED=True):
        yield


def _login(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_wrong_passwords_pause_logging_in_for_fifteen_minutes(axes_on, client, buyer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            assert _login(client, buyer.username, "wrong").status_code == 200
        locked = _login(client, buyer.username, "wrong")

        assert locked.status_code == 429
        page = locked.content.decode()
        assert "Logging in is paused for a while" in page
        assert "Please try again in 15 minutes, after" in page
        assert locked["Retry-After"] == "900"
        assert _login(client, buyer.username, PASSWORD).status_code == 429, "locked even with the password"

        # Each try during the pause restarts it (the page says so: "after" the time it shows).
        clock.shift(timedelta(minutes=14))
        assert _login(client, buyer.username, PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=15, seconds=1))
        assert _login(client, buyer.username, PASSWORD).status_code == 302


def test_the_lockout_is_per_username_and_address(axes_on, client, buyer, other_buyer):
    for _ in range(5):
        _login(client, buyer.username, "wrong")

    assert _login(Client(), buyer.username, PASSWORD, ip="198.51.100.9").status_code == 302
    assert _login(Client(), other_buyer.username, PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(axes_on, client, buyer):
    for _ in range(4):
        _login(client, buyer.username, "wrong")
    assert _login(client, buyer.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, buyer.username, "wrong").status_code == 200


def test_a_forwarded_for_header_cannot_dodge_the_lockout(axes_on, client, buyer):
    for n in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": buyer.username, "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    assert _login(client, buyer.username, PASSWORD).status_code == 429


def test_axes_is_first_among_backends_and_its_middleware_last():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    limit, cooloff = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    assert (limit, cooloff) == (5, timedelta(minutes=15))
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


# --- Content Security Policy ---------------------------------------------------------------------------
def test_every_page_gets_a_strict_content_security_policy(client, buyer):
    client.force_login(buyer)
    policy = client.get(reverse("orders:list"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_template_has_inline_script_style_or_event_handlers():
    offenders = {}
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        name = path.relative_to(TEMPLATES_DIR).as_posix()
        if name not in EMAIL_TEMPLATES and (found := inline_code(path.read_text())):
            offenders[name] = found
    assert not offenders, f"move these to static/css/portal.css or static/js/: {offenders}"


@pytest.fixture
def pages(buyer, seller, mediator, store):
    """The busiest pages of each kind, as the person who works on them sees them."""
    order = shipped_order(paid_at=timezone.now() - timedelta(days=9), buyer=buyer, store=store)
    dispute = open_dispute_for(order, at=timezone.now() - timedelta(hours=1), reason=Dispute.Reason.DAMAGED)
    process_evidence(evidence_id=dispute.evidence.get().pk)
    messaging.send_message(
        order=order, sender=buyer, body="Photo", photos=[image_upload()], now=timezone.now()
    )
    conversation_id = order.conversation.pk
    return [
        (None, reverse("accounts:login")),
        (buyer, reverse("orders:list")),
        (buyer, reverse("orders:detail", args=[order.number])),
        (buyer, reverse("disputes:detail", args=[dispute.pk])),
        (buyer, reverse("messaging:conversation", args=[order.number])),
        (buyer, reverse("notifications:list")),
        (buyer, reverse("accounts:profile")),
        (seller, reverse("disputes:detail", args=[dispute.pk])),
        (seller, reverse("orders:seller_list")),
        (seller, reverse("orders:return_policy")),
        (mediator, reverse("admin:index")),
        (mediator, reverse("admin:disputes_dispute_changelist")),
        (mediator, reverse("admin:disputes_dispute_change", args=[dispute.pk])),
        (mediator, reverse("admin:messaging_conversation_change", args=[conversation_id])),
    ]


def test_rendered_pages_and_the_mediation_console_work_under_the_strict_policy(client, pages):
    offenders = {}
    for user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        if found := inline_code(response.content.decode()):
            offenders[url] = found
    assert not offenders, offenders


def test_the_lockout_page_has_no_inline_code(axes_on, client, buyer):
    for _ in range(5):
        response = _login(client, buyer.username, "wrong")
    assert response.status_code == 429
    assert inline_code(response.content.decode()) == []


# --- private files -------------------------------------------------------------------------------------
HOSTILE_NAME = 'x"; filename="evil.html\r\nSet-Cookie: a=b<script>.jpg'


def _assert_safe_file_response(response, *, disposition: str) -> None:
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    header = response["Content-Disposition"]
    assert header.startswith(f"{disposition}; filename=")
    assert "\r" not in header and "\n" not in header and "<" not in header
    assert header.count('"') == 2, header
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Content-Type"] in ("image/jpeg", "image/png", "image/webp")
    b"".join(response.streaming_content)


def test_evidence_is_served_with_nosniff_and_a_safe_content_disposition(client, buyer, mediator, store):
    order = shipped_order(paid_at=timezone.now() - timedelta(days=9), buyer=buyer, store=store)
    dispute = open_dispute_for(
        order,
        at=timezone.now() - timedelta(hours=1),
        reason=Dispute.Reason.DAMAGED,
        evidence=check_evidence([image_upload(HOSTILE_NAME)]),
    )
    evidence = dispute.evidence.get()
    process_evidence(evidence_id=evidence.pk)

    client.force_login(buyer)
    _assert_safe_file_response(
        client.get(reverse("disputes:evidence", args=[evidence.public_id, "display"])), disposition="inline"
    )
    client.force_login(mediator)
    _assert_safe_file_response(
        client.get(reverse("disputes:evidence", args=[evidence.public_id, "original"])),
        disposition="attachment",
    )


def test_message_photos_are_served_with_nosniff_and_a_safe_content_disposition(client, buyer, store):
    order = shipped_order(paid_at=timezone.now() - timedelta(days=9), buyer=buyer, store=store)
    message = messaging.send_message(
        order=order, sender=buyer, body="", photos=[image_upload(HOSTILE_NAME)], now=timezone.now()
    )
    attachment = MessageAttachment.objects.get(message=message)
    attachments.process_attachment(attachment_id=attachment.pk)
    client.force_login(order.store.owner)

    for variant in ("display", "thumb"):
        _assert_safe_file_response(
            client.get(reverse("messaging:attachment", args=[attachment.public_id, variant])),
            disposition="inline",
        )
