"""The words of the dispute page and the order page's dispute panel that depend on the dispute's
state: which request is current, what each proposal came to, and what a party can still do once
a dispute has ended. Precomputed here so that templates never re-derive them."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from disputes.errors import DisputeError
from disputes.models import Dispute, Proposal
from disputes.permissions import UNKNOWN, check_can_open
from orders.models import Order
from orders.selectors import refunded_total
from portal import formatting
from portal.accounts.models import User

K = Proposal.Kind
R = Proposal.Resolution


@dataclass(frozen=True)
class ProposalLine:
    proposal: Proposal
    #: "60.00 USD, with return", "no refund", or "" (a rejection names no terms).
    terms: str
    #: "agreed", "decided", "superseded", "open" or "".
    badge: str
    badge_tone: str


def _terms(proposal: Proposal, currency: str) -> str:
    if proposal.kind == K.REJECTION:
        return ""
    if proposal.kind == K.DECISION and proposal.amount == 0:
        return _("no refund")
    money = formatting.money(proposal.amount, currency)
    if proposal.with_return:
        return _("%(money)s, with return") % {"money": money}
    return _("%(money)s, without return") % {"money": money}


def proposal_lines(dispute: Dispute) -> list[ProposalLine]:
    """The prefetched proposals, each with its terms and what became of it (no query)."""
    lines = []
    for proposal in dispute.proposals.all():
        if proposal.kind == K.DECISION:
            # A mediator's decision is imposed, not agreed: it says so, and a rejection reads as one.
            badge, tone = _("decided by the mediator"), "text-bg-warning"
        elif proposal.resolution == R.ACCEPTED:
            badge, tone = _("agreed"), "text-bg-success"
        elif proposal.resolution == R.SUPERSEDED:
            badge, tone = _("superseded"), "text-bg-light border"
        elif dispute.is_open and proposal.kind != K.REJECTION:
            badge, tone = _("awaiting an answer"), "text-bg-info"
        else:
            badge, tone = "", ""
        lines.append(ProposalLine(proposal, _terms(proposal, dispute.currency), badge, tone))
    return lines


def _last_buyer_request(dispute: Dispute) -> Proposal | None:
    return next(
        (p for p in reversed(dispute.proposals.all()) if p.kind in (K.REQUEST, K.MODIFICATION)),
        None,
    )


@dataclass(frozen=True)
class RequestFact:
    label: str
    note: str


def request_fact(dispute: Dispute) -> RequestFact:
    """How the claim box names the buyer's request: "current" only while it is the open one."""
    request = _last_buyer_request(dispute)
    if dispute.is_open and request is not None and request.resolution == R.OPEN:
        return RequestFact(_("Current request"), "")
    if request is not None and request.resolution == R.ACCEPTED:
        return RequestFact(_("Agreed request"), "")
    if not dispute.is_open:
        return RequestFact(_("Last request"), _("The dispute is closed; the outcome above is what counts."))
    if dispute.agreed_amount is not None:
        return RequestFact(_("Last request"), _("Replaced by the agreed terms below."))
    return RequestFact(_("Last request"), _("The seller answered it; see the requests and offers."))


def terms_label(dispute: Dispute) -> str:
    """What the locked terms are called: agreed by the parties, or decided by a mediator."""
    if dispute.decided_by_id is not None:
        return _("Decided terms (final)")
    return _("Agreed terms (locked)")


# --- after a dispute ends ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AnotherDispute:
    """Whether the buyer may open another dispute on the order, by the opening rule itself."""

    possible: bool
    #: Until when (when possible) and for how much at most.
    until: datetime | None = None
    up_to: str = ""
    #: Why not (when not possible), in the rule's words.
    why_not: str = ""


def another_dispute(order: Order, now: datetime, *, standing=UNKNOWN, open_dispute=UNKNOWN) -> AnotherDispute:
    """Ask the opening rule (``permissions.check_can_open``) about the order's buyer now
    (``standing``: the buyer's, ``open_dispute``: whether the order has one, if the caller knows)."""
    try:
        window = check_can_open(
            order=order, buyer=order.buyer, now=now, standing=standing, open_dispute=open_dispute
        )
    except DisputeError as refusal:
        return AnotherDispute(possible=False, why_not=str(refusal))
    return _within(order, window.closes_at)


def _within(order: Order, until: datetime | None) -> AnotherDispute:
    left = order.total_paid - refunded_total(order)
    if left <= Decimal("0"):
        return AnotherDispute(possible=False, why_not=_("Everything paid for this order has been refunded."))
    return AnotherDispute(possible=True, until=until, up_to=formatting.money(left, order.currency))


def another_dispute_from(order: Order, *, closes_at: datetime | None, refusal: str) -> AnotherDispute:
    """The same answer from a ``check_can_open`` the caller already made (its window's close, or
    its refusal's words)."""
    if refusal:
        return AnotherDispute(possible=False, why_not=refusal)
    return _within(order, closes_at)


@dataclass(frozen=True)
class NextSteps:
    """What a party can still do on a finished dispute, or that the case is closed and why."""

    closed_because: str
    message_url: str
    message_text: str
    another: AnotherDispute
    open_url: str


def next_steps(dispute: Dispute, user: User, now: datetime) -> NextSteps | None:
    """The "what now" of a finished dispute for one of its parties (``None`` while it is open)."""
    if dispute.is_open:
        return None
    order = dispute.order
    viewer_is_buyer = dispute.buyer_id == user.pk
    viewer_is_seller = dispute.store.owner_id == user.pk
    if not (viewer_is_buyer or viewer_is_seller):
        return None
    closed_because = {
        Dispute.State.RESOLVED_BUYER: _("It ended with the refund above."),
        Dispute.State.RESOLVED_SELLER: _("It ended without a refund."),
        Dispute.State.WITHDRAWN: _("It was withdrawn, so no refund is due."),
    }.get(dispute.state, "")
    return NextSteps(
        closed_because=closed_because,
        message_url=reverse("messaging:conversation", args=[order.number]),
        message_text=_("Message the seller") if viewer_is_buyer else _("Message the buyer"),
        # Asked of what the page loaded already: the buyer's standing (the gatekeeper joins it),
        # what the order refunded (``dispute_for_page`` reads its refunds), and whether it has an
        # open dispute, which its hold says (the services set it when a dispute opens and clear
        # it when it closes, under the order's lock).
        another=another_dispute(
            order, now, standing=getattr(dispute.buyer, "standing", None), open_dispute=order.on_hold
        ),
        open_url=reverse("disputes:open", args=[order.number]) if viewer_is_buyer else "",
    )


def page_facts(dispute: Dispute, user: User, now: datetime) -> dict:
    """The dispute page's state-dependent words for this viewer (prefetched dispute)."""
    viewer_is_seller = dispute.store.owner_id == user.pk
    return {
        "proposal_lines": proposal_lines(dispute),
        "request_fact": request_fact(dispute),
        "terms_label": terms_label(dispute),
        "next_steps": next_steps(dispute, user, now),
        # The chat of the order, from either side: the seller answers the buyer there too.
        "message_link": (
            reverse("messaging:conversation", args=[dispute.order.number])
            if viewer_is_seller or dispute.buyer_id == user.pk
            else ""
        ),
        "message_text": _("Message the buyer") if viewer_is_seller else _("Message the seller"),
    }
