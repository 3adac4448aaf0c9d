"""Who may reach what: every URL pattern of the site by seven personas, against an explicit table.

The URL names come from walking the URLconf, so a new page or action without a row in ``TABLE``
fails ``test_every_url_has_an_entry`` ("add an entry for <name>"). Each persona's request runs in
a savepoint that is rolled back, so every persona meets the same objects in the same state.

Outcomes: a status code, ``"login"`` (redirect to the login page), ``"admin-login"`` (redirect to
the admin's login page) or ``"redirect"`` (any other redirect: the action was handled and the
page reports its result). Strangers get 404 for other people's objects, exactly as for objects
that do not exist; POST-only actions answer GET with 405 once the gate has let the user through.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from disputes.evidence import process_evidence
from disputes.models import Dispute
from messaging import attachments
from messaging import services as messaging
from messaging.models import MessageAttachment
from tests.factories import image_upload, open_dispute_for, shipped_order

PERSONAS = ("anonymous", "buyer", "other_buyer", "seller", "other_seller", "mediator", "staff")


def walk(patterns=None, namespace: str | None = None):
    """``(name, route)`` of every pattern in the URLconf, includes walked, names namespaced."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            scope = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            for name, route in walk(entry.url_patterns, scope):
                yield name, f"{entry.pattern}{route}"
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed {entry.pattern}>"
            yield (f"{namespace}:{name}" if namespace else name), str(entry.pattern)


@dataclass
class Case:
    """One request to a URL name and what each persona gets, in ``PERSONAS`` order."""

    method: str
    expect: tuple
    args: Callable[[dict], list] = lambda world: []
    data: dict = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        assert len(self.expect) == len(PERSONAS), self


L, AL, R = "login", "admin-login", "redirect"

# Personas:         anonymous buyer other_b seller other_s mediator staff
EVERYONE_200 = (200, 200, 200, 200, 200, 200, 200)
SIGNED_IN_200 = (L, 200, 200, 200, 200, 200, 200)
SELLERS_ONLY = (L, 404, 404, 200, 200, 404, 404)
PARTIES_ONLY = (L, 200, 404, 200, 404, 404, 404)
PARTIES_AND_MEDIATORS = (L, 200, 404, 200, 404, 200, 404)
MEDIATORS_ONLY = (L, 404, 404, 404, 404, 200, 404)
ADMIN = (AL, AL, AL, AL, AL, 200, AL)


def order_number(world):
    return [world["order"].number]


def dispute_pk(world):
    return [world["dispute"].pk]


def order_action(handled: tuple) -> list[Case]:
    """A POST-only order action: strangers 404; the buyer and seller reach it (``handled``)."""
    return [
        Case("POST", handled, order_number),
        Case("GET", (L, 405, 404, 405, 404, 404, 404), order_number, label="GET is not allowed"),
    ]


def dispute_action(handled: tuple) -> list[Case]:
    """A POST-only dispute action: strangers 404; the parties and mediators reach it."""
    return [
        Case("POST", handled, dispute_pk),
        Case("GET", (L, 405, 404, 405, 404, 405, 404), dispute_pk, label="GET is not allowed"),
    ]


# A dispute action the party cannot take now is refused with a message on the dispute page
# (a redirect); one whose form is empty is shown again with its errors (400).
NO_FORM = (L, R, 404, R, 404, R, 404)
WITH_FORM = (L, 400, 404, 400, 404, 400, 404)
# An irreversible action posted without confirm=1 shows the review page (200) to the party who may
# take it now (the dispute awaits the seller), and refuses everyone else as above.
SELLER_REVIEWS = (L, R, 404, 200, 404, R, 404)
BUYER_REVIEWS = (L, 200, 404, R, 404, R, 404)

TABLE: dict[str, list[Case]] = {
    "home": [Case("GET", (L, R, R, R, R, R, R))],
    "healthz": [Case("GET", EVERYONE_200)],
    # --- accounts
    "accounts:login": [Case("GET", (200, R, R, R, R, R, R))],
    "accounts:logout": [
        Case("POST", (L, L, L, L, L, L, L)),
        Case("GET", (405, 405, 405, 405, 405, 405, 405), label="GET does not log out"),
    ],
    "accounts:password_change": [Case("GET", SIGNED_IN_200)],
    "accounts:password_change_done": [Case("GET", SIGNED_IN_200)],
    "accounts:password_reset": [Case("GET", EVERYONE_200)],
    "accounts:password_reset_done": [Case("GET", EVERYONE_200)],
    "accounts:password_reset_confirm": [Case("GET", EVERYONE_200, lambda w: ["MQ", "not-a-token"])],
    "accounts:password_reset_complete": [Case("GET", EVERYONE_200)],
    "accounts:profile": [Case("GET", SIGNED_IN_200)],
    "accounts:email_change": [Case("GET", SIGNED_IN_200)],
    # A link made for another account (or forged) says it is no longer valid, and changes nothing.
    "accounts:email_change_confirm": [Case("GET", SIGNED_IN_200, lambda w: ["not-a-signed-token"])],
    # --- messages
    "messaging:inbox": [Case("GET", SIGNED_IN_200)],
    "messaging:conversation": [
        Case("GET", PARTIES_ONLY, order_number),
        Case("POST", (L, R, 404, R, 404, 404, 404), order_number, {"body": "Any news?"}, "send"),
    ],
    "messaging:attachment": [
        Case("GET", PARTIES_AND_MEDIATORS, lambda w: [w["attachment"].public_id, "display"]),
        Case("GET", PARTIES_AND_MEDIATORS, lambda w: [w["attachment"].public_id, "thumb"], label="thumb"),
        Case(
            "GET",
            (L, 404, 404, 404, 404, 404, 404),
            lambda w: [w["attachment"].public_id, "original"],
            label="originals are never served",
        ),
    ],
    # --- notifications
    "notifications:list": [Case("GET", SIGNED_IN_200)],
    "notifications:mark_all_read": [Case("POST", (L, R, R, R, R, R, R))],
    "notifications:open": [Case("POST", (L, R, 404, 404, 404, 404, 404), lambda w: [w["notification"].pk])],
    # --- orders
    "orders:list": [Case("GET", SIGNED_IN_200)],
    "orders:detail": [Case("GET", PARTIES_ONLY, order_number)],
    "orders:ship": order_action((L, 400, 404, 400, 404, 404, 404)),
    "orders:report_delivered": order_action((L, R, 404, R, 404, 404, 404)),
    "orders:confirm": order_action((L, R, 404, R, 404, 404, 404)),
    "orders:request_extension": order_action((L, 400, 404, 400, 404, 404, 404)),
    "orders:grant_extension": order_action((L, 400, 404, 400, 404, 404, 404)),
    "orders:decline_extension": order_action((L, R, 404, R, 404, 404, 404)),
    "orders:seller_list": [Case("GET", SELLERS_ONLY)],
    # The carrier's webhook: no login, no CSRF; an unsigned update is refused whoever sends it.
    "orders:tracking_webhook": [
        Case("POST", (400, 400, 400, 400, 400, 400, 400), label="unsigned"),
        Case("GET", (405, 405, 405, 405, 405, 405, 405), label="GET is not allowed"),
    ],
    "orders:return_policy": [Case("GET", SELLERS_ONLY)],
    # Stripe calls it with a signature instead of a session (tests/orders/test_stripe_webhook.py);
    # with no STRIPE_WEBHOOK_SECRET configured (as here) it verifies nothing and says so.
    "orders:stripe_webhook": [
        Case("POST", (503,) * 7),
        Case("GET", (405,) * 7, label="GET is not allowed"),
    ],
    # --- disputes
    "disputes:list": [Case("GET", SIGNED_IN_200)],
    "disputes:seller_list": [Case("GET", SELLERS_ONLY)],
    "disputes:open": [
        Case("GET", (L, 200, 404, 404, 404, 404, 404), order_number),
        Case("POST", (L, 400, 404, 404, 404, 404, 404), order_number, label="only the buyer opens"),
    ],
    "disputes:detail": [Case("GET", PARTIES_AND_MEDIATORS, dispute_pk)],
    "disputes:accept_request": dispute_action(SELLER_REVIEWS),
    "disputes:counter_offer": dispute_action(WITH_FORM),
    "disputes:reject_request": dispute_action(WITH_FORM),
    "disputes:accept_offer": dispute_action(NO_FORM),
    "disputes:modify_request": dispute_action(WITH_FORM),
    "disputes:escalate": dispute_action(NO_FORM),
    "disputes:withdraw": dispute_action(BUYER_REVIEWS),
    "disputes:ship_return": dispute_action(WITH_FORM),
    "disputes:confirm_return_received": dispute_action(NO_FORM),
    "disputes:report_return_problem": dispute_action(WITH_FORM),
    "disputes:provide_evidence": dispute_action(NO_FORM),
    "disputes:add_evidence": dispute_action(WITH_FORM),
    "disputes:extend_deadline": dispute_action(WITH_FORM),
    "disputes:evidence": [
        Case("GET", PARTIES_AND_MEDIATORS, lambda w: [w["evidence"].public_id, "display"]),
        Case("GET", PARTIES_AND_MEDIATORS, lambda w: [w["evidence"].public_id, "thumb"], label="thumb"),
        Case(
            "GET",
            MEDIATORS_ONLY,
            lambda w: [w["evidence"].public_id, "original"],
            label="originals are for mediators",
        ),
    ],
}

#: The admin is the mediation console: its URLs are checked as a group, with real objects.
ADMIN_CASES = {
    "admin:index": Case("GET", ADMIN),
    "admin:disputes_dispute_changelist": Case("GET", ADMIN),
    "admin:disputes_dispute_change": Case("GET", ADMIN, dispute_pk),
}

URL_NAMES = sorted({name for name, _route in walk() if not name.startswith("admin:")})


@pytest.fixture
def world(buyer, other_buyer, seller, other_seller, mediator, staff_non_mediator, store):
    """One disputed order between ``buyer`` and ``seller``, with evidence, a photo in their
    conversation and a notification; the other personas have nothing to do with it."""
    from portal.notifications.models import Notification

    now = timezone.now()
    order = shipped_order(paid_at=now - timedelta(days=9), buyer=buyer, store=store)
    dispute = open_dispute_for(order, at=now - timedelta(hours=1), reason=Dispute.Reason.DAMAGED)
    evidence = dispute.evidence.get()
    process_evidence(evidence_id=evidence.pk)
    message = messaging.send_message(
        order=order, sender=buyer, body="Photo", photos=[image_upload()], now=now
    )
    attachment = MessageAttachment.objects.get(message=message)
    attachments.process_attachment(attachment_id=attachment.pk)
    notification = Notification.objects.create(
        recipient=buyer,
        kind="dispute_opened",
        title="Your dispute is open",
        url=reverse("disputes:detail", args=[dispute.pk]),
        dedupe_key=f"test-{dispute.pk}",
        created_at=now,
    )
    return {
        "personas": {
            "anonymous": None,
            "buyer": buyer,
            "other_buyer": other_buyer,
            "seller": seller,
            "other_seller": other_seller,
            "mediator": mediator,
            "staff": staff_non_mediator,
        },
        "order": order,
        "dispute": dispute,
        "evidence": evidence,
        "attachment": attachment,
        "notification": notification,
    }


def _outcome(response) -> object:
    if response.status_code in (301, 302):
        path = urlsplit(response["Location"]).path
        if path == reverse(settings.LOGIN_URL):
            return L
        if path == reverse("admin:login"):
            return AL
        return R
    return response.status_code


def _check(world: dict, name: str, case: Case) -> list[str]:
    url = reverse(name, args=case.args(world))
    problems = []
    for persona, expected in zip(PERSONAS, case.expect, strict=True):
        client = Client()
        user = world["personas"][persona]
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            try:
                response = client.generic(
                    case.method,
                    url,
                    data=_encode(case.data),
                    content_type="application/x-www-form-urlencoded",
                )
                got = _outcome(response)
            except Exception as error:  # a crash is an outcome the table never expects
                got = f"exception {type(error).__name__}: {error}"
            transaction.set_rollback(True)
        if got != expected:
            problems.append(f"{case.method} {url} {case.label} as {persona}: expected {expected}, got {got}")
    return problems


def _encode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


def test_every_url_has_an_entry():
    missing = [name for name in URL_NAMES if name not in TABLE]
    assert not missing, "\n".join(
        f"add an entry for {name} to TABLE in tests/reliability/test_authorization_matrix.py"
        for name in missing
    )


def test_the_table_has_no_stale_entries():
    assert set(TABLE) <= set(URL_NAMES), f"no such URL any more: {sorted(set(TABLE) - set(URL_NAMES))}"


@pytest.mark.parametrize("name", URL_NAMES)
def test_each_persona_gets_what_the_table_says(world, name):
    if name not in TABLE:
        pytest.fail(f"add an entry for {name} to TABLE in tests/reliability/test_authorization_matrix.py")
    problems = [problem for case in TABLE[name] for problem in _check(world, name, case)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ADMIN_CASES)
def test_only_mediators_enter_the_mediation_console(world, name):
    problems = _check(world, name, ADMIN_CASES[name])
    assert not problems, "\n".join(problems)
