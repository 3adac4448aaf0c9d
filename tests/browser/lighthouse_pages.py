"""The pages ``tests.browser.lighthouse`` measures, picked from the demo database (``seed_demo``).

Runs inside Django (``manage.py shell -c "from tests.browser.lighthouse_pages import main; main()"``)
and prints JSON: each page's role, name, address and the session cookie of the account that
sees it. One page per page type: every buyer and seller page, a dispute in each state a party
reads differently, and the mediator's console pages for information.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.test import Client
from django.utils import timezone

from disputes.errors import DisputeError
from disputes.models import Appeal, Dispute, Evidence
from disputes.permissions import check_can_open
from messaging.models import Conversation
from orders.models import Order, Store
from portal.accounts.models import User

BUYER = "jack_buyer"
SELLER = "lin_seller"
MEDIATOR = "maria_mediator"


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    path: str
    username: str


def _dispute(state: str, **filters) -> Dispute:
    disputes = Dispute.objects.filter(state=state, **filters).select_related("buyer", "store__owner")
    return disputes.order_by("id").first()


def _disputable_order(buyer: User, now: datetime) -> Order:
    for order in Order.objects.filter(buyer=buyer).order_by("-paid_at"):
        try:
            check_can_open(order=order, buyer=buyer, now=now)
        except DisputeError:
            continue
        return order
    raise LookupError(f"{buyer.username} has no order a dispute can be opened on")


def _dispute_pages(role: str, prefer: str) -> list[Page]:
    """The dispute page in each state, as its buyer or its seller reads it (``prefer``'s own
    dispute where that account has one in the state)."""
    states = {
        "dispute awaiting seller": Dispute.State.AWAITING_SELLER,
        "dispute with an offer": Dispute.State.AWAITING_BUYER,
        "dispute awaiting return": Dispute.State.AWAITING_RETURN,
        "dispute evidence requested": Dispute.State.EVIDENCE_REQUESTED,
        "dispute resolved for buyer": Dispute.State.RESOLVED_BUYER,
        "dispute resolved for seller": Dispute.State.RESOLVED_SELLER,
    }
    mine = {"buyer__username": prefer} if role == "buyer" else {"store__owner__username": prefer}
    pages = []
    for name, state in states.items():
        dispute = _dispute(state, **mine) or _dispute(state)
        who = dispute.buyer.username if role == "buyer" else dispute.store.owner.username
        pages.append(Page(role, name, f"/disputes/{dispute.pk}/", who))
    return pages


def pages(now: datetime) -> list[Page]:
    buyer = User.objects.get(username=BUYER)
    store = Store.objects.get(owner__username=SELLER)
    shown = Dispute.objects.filter(buyer=buyer).order_by("id").first()
    evidence = Evidence.objects.filter(dispute=shown).order_by("id").first() or Evidence.objects.first()
    conversation = Conversation.objects.filter(order__buyer=buyer).order_by("id").first()
    appealed = Appeal.objects.select_related("dispute__buyer").order_by("id").first()
    russian = (
        Dispute.objects.filter(buyer__username="olga_buyer").select_related("buyer").order_by("id").first()
    )
    seller_order = Dispute.objects.filter(store=store).order_by("id").first().order
    return [
        Page("buyer", "order list", "/orders/", BUYER),
        Page("buyer", "order page", f"/orders/{shown.order.number}/", BUYER),
        Page("buyer", "dispute form", f"/orders/{_disputable_order(buyer, now).number}/dispute/", BUYER),
        *_dispute_pages("buyer", BUYER),
        Page(
            "buyer",
            "dispute under appeal",
            f"/disputes/{appealed.dispute_id}/",
            appealed.dispute.buyer.username,
        ),
        # Olga reads the portal in Russian: the page's lang and words are hers.
        Page("buyer", "dispute in Russian", f"/disputes/{russian.pk}/", russian.buyer.username),
        Page("buyer", "dispute inbox", "/disputes/", BUYER),
        Page("buyer", "message inbox", "/messages/", BUYER),
        Page("buyer", "conversation", f"/messages/{conversation.order.number}/", BUYER),
        Page("buyer", "notifications", "/notifications/", BUYER),
        Page(
            "buyer", "evidence full size", f"/evidence/{evidence.public_id}/", evidence.dispute.buyer.username
        ),
        Page("buyer", "profile", "/accounts/profile/", BUYER),
        Page("buyer", "store record", f"/stores/{store.pk}/", BUYER),
        Page("seller", "order list", "/seller/orders/", SELLER),
        Page("seller", "order list disputed", "/seller/orders/?tab=disputed", SELLER),
        Page("seller", "order page", f"/orders/{seller_order.number}/", SELLER),
        Page("seller", "dispute inbox", "/seller/disputes/", SELLER),
        *_dispute_pages("seller", SELLER),
        Page("seller", "conversation", f"/messages/{seller_order.number}/", SELLER),
        Page("seller", "return policy", "/seller/return-policy/", SELLER),
        Page("seller", "seller record", "/seller/record/", SELLER),
        Page("mediator", "admin home", "/admin/", MEDIATOR),
        Page("mediator", "admin queue", "/admin/disputes/dispute/", MEDIATOR),
        Page(
            "mediator",
            "admin case page",
            f"/admin/disputes/dispute/{_dispute(Dispute.State.EVIDENCE_REQUESTED).pk}/change/",
            MEDIATOR,
        ),
        Page("mediator", "admin order page", f"/admin/orders/order/{seller_order.pk}/change/", MEDIATOR),
        Page("mediator", "admin statistics", "/admin/disputes/dispute/statistics/", MEDIATOR),
        # Maria decided the appealed case, so a second mediator (the demo's admin) reads the appeal.
        Page("mediator", "admin appeal page", f"/admin/disputes/appeal/{appealed.pk}/change/", "admin"),
    ]


def session_cookies(usernames: set[str]) -> dict[str, str]:
    """A signed-in session per account, as the value of the session cookie."""
    cookies = {}
    for username in sorted(usernames):
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookies[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def main() -> None:
    found = pages(timezone.now())
    print(
        json.dumps(
            {
                "cookie_name": settings.SESSION_COOKIE_NAME,
                "cookies": session_cookies({page.username for page in found}),
                "pages": [asdict(page) for page in found],
            }
        )
    )
