"""Every read query of the disputes side, and the sentences dispute pages and e-mails show."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from disputes import automatic, page_wording
from disputes.errors import DisputeError
from disputes.models import Dispute, DisputedItem, DisputeEvent, Evidence, LineRuling, Party, Proposal
from disputes.permissions import UNKNOWN, check_can_open, dispute_window
from orders.models import Carrier, Order, Refund, Store
from portal import formatting
from portal.accounts.models import User

K = Dispute.DeadlineKind
S = Dispute.State

INBOX_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": (gettext_lazy("Open"), Dispute.OPEN_STATES),
    "mediation": (gettext_lazy("In mediation"), Dispute.MEDIATION_STATES),
    "closed": (gettext_lazy("Closed"), Dispute.CLOSED_STATES),
}


def _when(moment: datetime) -> str:
    return formatting.moment(moment)


def _inbox(queryset: QuerySet[Dispute], state_filter: str | None) -> QuerySet[Dispute]:
    states = INBOX_FILTERS.get(state_filter or "open", INBOX_FILTERS["open"])[1]
    queryset = queryset.filter(state__in=states).select_related("order", "store", "buyer")
    if state_filter == "closed":
        return queryset.order_by("-closed_at", "-id")
    # Soonest deadline first: what needs attention now is at the top.
    return queryset.order_by("deadline_at", "id")


def disputes_for_buyer(*, buyer: User, state_filter: str | None) -> QuerySet[Dispute]:
    return _inbox(Dispute.objects.filter(buyer=buyer), state_filter)


def disputes_for_store(*, store: Store, state_filter: str | None) -> QuerySet[Dispute]:
    return _inbox(Dispute.objects.filter(store=store), state_filter)


def dispute_for_page(dispute: Dispute) -> Dispute:
    """The dispute with everything its page shows, in a fixed number of queries.

    ``dispute`` comes from the gatekeeper (``get_dispute_for_user``), which already joined its
    order, shipment, store, buyer (with their standing) and appeal; the lists are prefetched onto
    that same instance rather than loading the dispute a second time.
    """
    prefetch_related_objects(
        [dispute],
        Prefetch("items", queryset=DisputedItem.objects.select_related("line_item").order_by("id")),
        # Who proposed and who uploaded are named by the party only (the case page names the
        # people, from its own query): joining their users cost 0.9 ms a list at 1M orders.
        Prefetch("proposals", queryset=Proposal.objects.order_by("created_at", "id")),
        Prefetch(
            "events", queryset=DisputeEvent.objects.select_related("actor").order_by("created_at", "id")
        ),
        Prefetch("evidence", queryset=Evidence.objects.order_by("received_at", "id")),
        # The order's refunds, not only this dispute's: the page lists this dispute's
        # (``dispute_refunds``), and a finished dispute's "what now" adds them all up
        # (``orders.selectors.refunded_total``) from the same query.
        Prefetch("order__refunds", queryset=Refund.objects.order_by("created_at", "id")),
        Prefetch(
            "line_rulings", queryset=LineRuling.objects.select_related("line_item").order_by("line_item_id")
        ),
    )
    dispute.order.buyer = dispute.buyer
    return dispute


def dispute_refunds(dispute: Dispute) -> list[Refund]:
    """The refunds ``dispute`` paid, from its order's refunds that :func:`dispute_for_page` read."""
    return [refund for refund in dispute.order.refunds.all() if refund.dispute_id == dispute.pk]


# --- the deadline, in words -----------------------------------------------------------------------
def _money(amount: Decimal, currency: str) -> str:
    return formatting.money(amount, currency)


def automatic_outcome(dispute: Dispute) -> str:
    """What happens if nobody acts by the deadline, with the amount."""
    money = _money(dispute.requested_amount, dispute.currency)
    agreed = _money(dispute.agreed_amount or Decimal("0"), dispute.currency)
    if dispute.deadline_kind == K.GRANT_REQUEST:
        if dispute.requested_return:
            return _("the buyer's request is accepted: a refund of %(money)s after the item is returned") % {
                "money": money
            }
        return _("the buyer's request is accepted: a refund of %(money)s is paid") % {"money": money}
    if dispute.deadline_kind == K.WITHDRAW:
        return _("the dispute closes as withdrawn and no refund is paid")
    if dispute.deadline_kind == K.RESOLVE_FOR_SELLER:
        return _("the dispute closes in the seller's favour and no refund is paid")
    if dispute.deadline_kind == K.REFUND_ANYWAY:
        return _("the refund of %(money)s is paid anyway") % {"money": agreed}
    if dispute.deadline_kind == K.BACK_TO_MEDIATOR:
        return _("the mediator decides on the evidence already provided")
    return _("the case is overdue and moves to the top of the mediators' queue")


def who_must_act(dispute: Dispute) -> str:
    return {
        Party.BUYER: _("the buyer"),
        Party.SELLER: _("the seller"),
        Party.MEDIATOR: _("the mediator"),
    }.get(dispute.deadline_party, "")


def required_action(dispute: Dispute) -> str:
    """What the party who must act has to do, in a few words."""
    if dispute.state == S.AWAITING_BUYER and open_counter_offer(dispute) is None:
        # The seller rejected the request: there is no offer to accept.
        return _("change the request, escalate to a mediator, or withdraw")
    return {
        S.AWAITING_SELLER: _("accept, make a counter-offer, or reject with a reason"),
        S.AWAITING_BUYER: _("accept the offer, change the request, escalate, or withdraw"),
        S.AWAITING_RETURN: _("ship the item back and enter the tracking number"),
        S.RETURN_IN_TRANSIT: _("confirm the return arrived, or report a problem"),
        S.EVIDENCE_REQUESTED: _("send the evidence the mediator asked for"),
        S.IN_MEDIATION: _("decide the case"),
    }.get(dispute.state, "")


def deadline_sentence(dispute: Dispute) -> str:
    """ "If nobody acts by <time in the active time zone>, <outcome and amount>." """
    if dispute.deadline_at is None:
        return ""
    if dispute.deadline_kind == K.MEDIATION_TARGET:
        return _("A mediator aims to decide by %(when)s.") % {"when": _when(dispute.deadline_at)}
    return _("If nobody acts by %(when)s, %(outcome)s.") % {
        "when": _when(dispute.deadline_at),
        "outcome": automatic_outcome(dispute),
    }


def passed_deadline_sentence(dispute: Dispute) -> str:
    """ "The deadline passed on <time>: <what the clock did>." for a deadline that is due."""
    money = _money(dispute.requested_amount, dispute.currency)
    agreed = _money(dispute.agreed_amount or Decimal("0"), dispute.currency)
    outcome = {
        K.GRANT_REQUEST: (
            _("the buyer's request was accepted as asked: a refund of %(money)s after the item is returned")
            if dispute.requested_return
            else _("the buyer's request was accepted as asked: a refund of %(money)s is paid")
        )
        % {"money": money},
        K.WITHDRAW: _("the dispute closed as withdrawn, with no refund"),
        K.RESOLVE_FOR_SELLER: _("the dispute closed in the seller's favour, with no refund"),
        K.REFUND_ANYWAY: _("the refund of %(money)s is paid anyway") % {"money": agreed},
        K.BACK_TO_MEDIATOR: _("the mediator decides on the evidence already provided"),
    }.get(dispute.deadline_kind)
    if dispute.deadline_at is None or outcome is None:
        return ""
    return _("The deadline passed on %(when)s: %(outcome)s.") % {
        "when": _when(dispute.deadline_at),
        "outcome": outcome,
    }


def next_step_sentence(dispute: Dispute) -> str:
    """Who must act next, what, and by when; then what happens otherwise."""
    if not dispute.is_open:
        return outcome_sentence(dispute)
    if dispute.deadline_kind == K.MEDIATION_TARGET:
        return deadline_sentence(dispute)
    return _("Next: %(who)s must %(what)s by %(when)s. %(otherwise)s") % {
        "who": who_must_act(dispute),
        "what": required_action(dispute),
        "when": _when(dispute.deadline_at),
        "otherwise": deadline_sentence(dispute),
    }


def outcome_sentence(dispute: Dispute) -> str:
    money = _money(dispute.refund_amount or Decimal("0"), dispute.currency)
    if dispute.state == S.RESOLVED_BUYER:
        return _("Resolved for the buyer: a refund of %(money)s.") % {"money": money}
    if dispute.state == S.RESOLVED_SELLER:
        return _("Resolved for the seller: no refund.")
    if dispute.state == S.WITHDRAWN:
        return _("Withdrawn: no refund.")
    return ""


RULE_SENTENCES = {
    "seller_silent": gettext_lazy("the seller did not respond by %(when)s"),
    "buyer_silent": gettext_lazy("the buyer did not respond by %(when)s"),
    "return_not_shipped": gettext_lazy("the return was not shipped by %(when)s"),
    "return_not_confirmed": gettext_lazy("the seller did not confirm the return by %(when)s"),
    "evidence_not_provided": gettext_lazy("the requested evidence did not arrive by %(when)s"),
}


def _type_label(event: DisputeEvent) -> str:
    # Not get_type_display(): that translates every one of the many event types to find one label,
    # and the timeline asks once per event.
    try:
        return str(DisputeEvent.Type(event.type).label)
    except ValueError:
        return event.type


def event_sentence(event: DisputeEvent) -> str:
    """The line the timeline shows for an event, in the active language and time zone."""
    if event.type == DisputeEvent.Type.OPENED and event.data.get("reason") in Dispute.Reason.values:
        # The reason is stored as its code and named in the reader's language.
        return _("Dispute opened: %(reason)s") % {"reason": Dispute.Reason(event.data["reason"]).label}
    if event.type == DisputeEvent.Type.AUTO_RESOLVED:
        deadline = datetime.fromisoformat(event.data["deadline"])
        rule = RULE_SENTENCES.get(event.data.get("rule"), gettext_lazy("a deadline passed at %(when)s"))
        return _("Decided automatically: %(rule)s.") % {"rule": rule % {"when": _when(deadline)}}
    if event.type == DisputeEvent.Type.REMINDER_SENT:
        hours = event.data.get("hours_left", 0)
        if event.party == Party.SELLER:
            sentence = ngettext(
                "Reminder sent to the seller: %(hours)d hour left.",
                "Reminder sent to the seller: %(hours)d hours left.",
                hours,
            )
        else:
            sentence = ngettext(
                "Reminder sent to the buyer: %(hours)d hour left.",
                "Reminder sent to the buyer: %(hours)d hours left.",
                hours,
            )
        return sentence % {"hours": hours}
    if event.type == DisputeEvent.Type.DEADLINE_EXTENDED:
        days = event.data.get("days", 0)
        return ngettext(
            "Deadline extended by %(days)d day, to %(when)s.",
            "Deadline extended by %(days)d days, to %(when)s.",
            days,
        ) % {"days": days, "when": _when(datetime.fromisoformat(event.data["deadline"]))}
    if event.type in (
        DisputeEvent.Type.COUNTER_OFFERED,
        DisputeEvent.Type.OFFER_ACCEPTED,
        DisputeEvent.Type.ACCEPTED,
        DisputeEvent.Type.MODIFIED,
    ):
        terms = {
            "what": _type_label(event),
            "money": _money(Decimal(event.data.get("amount", "0")), event.dispute.currency),
        }
        if event.data.get("with_return"):
            return _("%(what)s: %(money)s, with return") % terms
        return _("%(what)s: %(money)s, without return") % terms
    return _type_label(event)


def open_counter_offer(dispute: Dispute) -> Proposal | None:
    """The seller's counter-offer awaiting the buyer, from the prefetched proposals (no query)."""
    return next(
        (
            proposal
            for proposal in reversed(dispute.proposals.all())
            if proposal.kind == Proposal.Kind.COUNTER_OFFER
            and proposal.resolution == Proposal.Resolution.OPEN
        ),
        None,
    )


#: Notes the portal itself writes on a timeline line, kept in the site's language and shown in
#: the reader's (:func:`event_note`).
APPEAL_EVIDENCE_NOTE = gettext_lazy("For the appeal")
PORTAL_NOTES = (APPEAL_EVIDENCE_NOTE,)


def event_note(event: DisputeEvent) -> str:
    """The note under a timeline line, in the reader's language: a return's carrier is named
    anew from its code, a note the portal wrote is translated; what a person wrote is shown as
    written."""
    if event.type == DisputeEvent.Type.RETURN_SHIPPED and event.data.get("carrier") in Carrier.values:
        return f"{Carrier(event.data['carrier']).label} {event.data.get('tracking_number', '')}".strip()
    return formatting.shown_text(event.note, PORTAL_NOTES)


@dataclass(frozen=True)
class TimelineEntry:
    event: DisputeEvent
    sentence: str
    by_clock: bool
    note: str
    #: For what the clock decided: the rule, the deadline and the event that started it.
    explanation: str = ""


def timeline(dispute: Dispute) -> list[TimelineEntry]:
    """The prefetched events as timeline lines (no query)."""
    return [
        TimelineEntry(
            event=event,
            sentence=event_sentence(event),
            by_clock=event.actor_id is None,
            explanation=automatic.explain(event),
            note=event_note(event),
        )
        for event in dispute.events.all()
    ]


# --- the order page's dispute panel ----------------------------------------------------------------
def open_dispute_on(order: Order) -> Dispute | None:
    return order.disputes.filter(state__in=Dispute.OPEN_STATES).first()


def dispute_panel_for_order(*, order: Order, user: User, now: datetime) -> dict:
    """What the order page shows about disputes for this viewer: the current or past disputes,
    and whether (and from when) the buyer may open one."""
    # Prefetched, so check_can_open() below reads the same rows instead of asking again; with the
    # buyer's standing (the order's buyer's, on every dispute), which it would read otherwise.
    prefetch_related_objects(
        [order],
        Prefetch(
            "disputes",
            queryset=Dispute.objects.select_related("buyer__standing").order_by("-opened_at", "-id"),
        ),
    )
    disputes = list(order.disputes.all())
    standing = getattr(disputes[0].buyer, "standing", None) if disputes else UNKNOWN
    current = next((d for d in disputes if d.is_open), None)
    panel = {
        "current": current,
        "past": [d for d in disputes if not d.is_open],
        "can_open": False,
        "why_not": "",
        # After a dispute ended: whether (until when, for how much) another can be opened.
        "another": None,
    }
    if current is not None:
        return panel
    if order.buyer_id != user.pk:
        if panel["past"]:
            panel["another"] = page_wording.another_dispute(order, now, standing=standing)
        return panel
    try:
        window = check_can_open(order=order, buyer=user, now=now, standing=standing)
    except DisputeError as refusal:
        panel["why_not"] = str(refusal)
    else:
        panel["can_open"] = True
        panel["window"] = window if window.closes_at else dispute_window(order)
    if panel["past"]:
        panel["another"] = page_wording.another_dispute_from(
            order,
            closes_at=panel["window"].closes_at if panel["can_open"] else None,
            refusal=panel["why_not"],
        )
    return panel
