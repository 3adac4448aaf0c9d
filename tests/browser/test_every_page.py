"""Every page type of every role, at a phone's 360 px and a laptop's 1366 px: nothing scrolls
sideways, axe-core finds no serious or critical violation, element ids are unique, the browser
reports no error (a CSP refusal or a 404 favicon included) and ``lang`` is the user's language.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe

from disputes import services as dispute_services
from disputes.models import Dispute
from messaging import services as messaging_services
from tests.browser.support import SCREENSHOTS, browser_errors, overflowing_elements
from tests.factories import delivered_order, evidence_files, open_dispute_for

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": {"width": 360, "height": 780}, "laptop": {"width": 1366, "height": 900}}
SERIOUS = {"serious", "critical"}
#: axe reads every stylesheet through the CSSOM without preloading it. Its preload re-parses a
#: sheet's ``@import`` rules by adding a ``<style>`` element of its own to the page, which our
#: Content Security Policy (``style-src 'self'``) refuses: on the admin's change forms, whose stock
#: ``forms.css`` imports ``widgets.css``, that was the one "inline style" error the browser logged.
#: Only the CSS orientation-lock rule needs the preload, and no stylesheet of ours locks it.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}

_DUPLICATE_IDS_JS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([id, count]) => `#${id} ×${count}`);
}"""


def _order(buyer, store, now, days_ago: int = 10):
    return delivered_order(
        paid_at=now - timedelta(days=days_ago),
        shipped_after=timedelta(days=1),
        delivered_after=timedelta(days=days_ago - 2),
        buyer=buyer,
        store=store,
    )


@pytest.fixture
def cases(buyer, seller, store, mediator, real_now):
    """A buyer and a seller with disputes in several states, and a mediator with a case."""
    now = real_now
    awaiting_seller = open_dispute_for(
        _order(buyer, store, now), at=now, reason="damaged", description="The screen is cracked."
    )
    offered = open_dispute_for(_order(buyer, store, now), at=now, reason="not_as_described", with_return=True)
    dispute_services.counter_offer(
        dispute=offered,
        seller=seller,
        amount=Decimal("20.00"),
        with_return=True,
        note="Send it back and I refund 20.",
        evidence=[],
        now=now,
    )
    mediated = open_dispute_for(_order(buyer, store, now), at=now, reason="damaged")
    dispute_services.reject_request(
        dispute=mediated, seller=seller, note="It was fine.", evidence=[], now=now
    )
    dispute_services.escalate_dispute(dispute=mediated, user=buyer, note="Please decide.", now=now)
    mediated.refresh_from_db()
    dispute_services.assign_to_mediator(dispute=mediated, mediator=mediator, now=now)
    dispute_services.request_evidence(
        dispute=Dispute.objects.get(pk=mediated.pk),
        mediator=mediator,
        party="buyer",
        note="A photo of the box, please.",
        due_at=now + timedelta(days=3),
        now=now,
    )
    closed = open_dispute_for(_order(buyer, store, now), at=now, reason="damaged")
    dispute_services.accept_request(dispute=closed, seller=seller, now=now)
    fresh = _order(buyer, store, now, days_ago=4)
    messaging_services.send_message(
        order=awaiting_seller.order,
        sender=buyer,
        body="Hello, the parcel arrived broken.",
        photos=[],
        now=now,
    )
    dispute_services.add_evidence(
        dispute=awaiting_seller,
        user=buyer,
        files=evidence_files("box.jpg"),
        note="The box.",
        now=now,
    )
    return {
        "awaiting_seller": Dispute.objects.get(pk=awaiting_seller.pk),
        "offered": Dispute.objects.get(pk=offered.pk),
        "mediated": Dispute.objects.get(pk=mediated.pk),
        "closed": Dispute.objects.get(pk=closed.pk),
        "fresh": fresh,
    }


def _pages(cases) -> dict[str, list[tuple[str, str]]]:
    seller_wait, offered, mediated, closed = (
        cases["awaiting_seller"],
        cases["offered"],
        cases["mediated"],
        cases["closed"],
    )
    evidence = seller_wait.evidence.order_by("id").first()
    order_number = seller_wait.order.number
    return {
        "buyer": [
            ("order list", "/orders/"),
            ("order page", f"/orders/{order_number}/"),
            ("dispute form", f"/orders/{cases['fresh'].number}/dispute/"),
            ("dispute awaiting seller", f"/disputes/{seller_wait.pk}/"),
            ("dispute with an offer", f"/disputes/{offered.pk}/"),
            ("dispute evidence requested", f"/disputes/{mediated.pk}/"),
            ("dispute closed", f"/disputes/{closed.pk}/"),
            ("order refunded", f"/orders/{closed.order.number}/"),
            ("dispute inbox", "/disputes/"),
            ("message inbox", "/messages/"),
            ("conversation", f"/messages/{order_number}/"),
            ("notifications", "/notifications/"),
            ("evidence full size", f"/evidence/{evidence.public_id}/"),
            ("profile and time zone", "/accounts/profile/"),
        ],
        "seller": [
            ("order list", "/seller/orders/"),
            ("order list disputed", "/seller/orders/?tab=disputed"),
            ("order page", f"/orders/{order_number}/"),
            ("dispute inbox", "/seller/disputes/"),
            ("dispute awaiting seller", f"/disputes/{seller_wait.pk}/"),
            ("dispute with an offer", f"/disputes/{offered.pk}/"),
            ("conversation", f"/messages/{order_number}/"),
            ("return policy", "/seller/return-policy/"),
        ],
        "mediator": [
            ("admin home", "/admin/"),
            ("admin queue", "/admin/disputes/dispute/"),
            ("admin case page", f"/admin/disputes/dispute/{mediated.pk}/change/"),
            ("admin order page", f"/admin/orders/order/{mediated.order.pk}/change/"),
        ],
    }


def _check_page(page, axe: Axe, role: str) -> list[str]:
    problems = []
    for details in page.locator("details").all():
        details.evaluate("element => { element.open = true; }")
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if width[0] > width[1]:
        problems.append(f"scrolls sideways ({width[0]} > {width[1]}): {overflowing_elements(page)[:3]}")
    duplicates = page.evaluate(_DUPLICATE_IDS_JS)
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    lang = page.evaluate("() => document.documentElement.lang")
    if lang != "en":
        problems.append(f"lang is {lang!r}")
    violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
    for violation in violations:
        if violation["impact"] in SERIOUS:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(
                f"axe {violation['impact']}: {violation['id']} ({violation['help']}) at {targets}"
            )
    errors = browser_errors(page)
    problems.extend(f"browser error: {error}" for error in errors)
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_and_passes_axe(
    live_server, browser_for, buyer, seller, mediator, cases, width
):
    axe = Axe()
    people = {"buyer": buyer, "seller": seller, "mediator": mediator}
    folder = SCREENSHOTS / f"every-page-{width}"
    folder.mkdir(parents=True, exist_ok=True)
    found = []
    for role, pages in _pages(cases).items():
        page = browser_for(people[role], viewport=WIDTHS[width])
        for name, url in pages:
            response = page.goto(live_server.url + url)
            if response.status != 200:
                found.append(f"{role} {name} {url}: HTTP {response.status}")
                continue
            page.wait_for_load_state("networkidle")
            found.extend(f"{role} {name} {url}: {problem}" for problem in _check_page(page, axe, role))
            page.screenshot(path=folder / f"{role}-{name.replace(' ', '-')}.png", full_page=True)
    assert not found, f"{len(found)} problems at {width}:\n" + "\n".join(found)
