"""What the clock did to an order and why (issue 16, item 4): the rule it applied, the deadline it
enforced and the event that started that deadline, in words for the timeline and the e-mails.

The events record the facts (``rule``, ``deadline``, ``started_by``: see ``orders.events``); the
sentences are written when read, in the reader's language and time zone.
"""

from datetime import datetime

from django.utils.translation import gettext as _

from orders import policy
from orders.models import Order, OrderEvent
from portal import formatting

T = OrderEvent.Type

#: Rule -> the events that start (or restart) its deadline, latest first wins.
STARTED_BY: dict[str, tuple[str, ...]] = {
    "handling_time_missed": (T.PLACED,),
    "protection_ended": (T.SHIPPED, T.DELIVERED, T.DELIVERY_RECORDED, T.EXTENSION_GRANTED, T.RESUMED),
    "dispute_window_closed": (T.CONFIRMED, T.AUTO_CONFIRMED, T.RESUMED),
}


def started_by_each(orders: list[Order], rule: str, *, before: datetime) -> list[dict]:
    """For each of ``orders``, the facts of the latest event that started ``rule``'s deadline,
    read in one query."""
    if not orders:
        return []
    latest: dict[int, OrderEvent] = {}
    starts = OrderEvent.objects.filter(
        order__in=orders, type__in=STARTED_BY.get(rule, ()), created_at__lte=before
    ).order_by("order_id", "-created_at", "-id")
    for event in starts.only("pk", "order_id", "type", "created_at"):
        latest.setdefault(event.order_id, event)
    facts = []
    for order in orders:
        event = latest.get(order.pk)
        facts.append(
            {}
            if event is None
            else {"event": event.pk, "type": event.type, "at": event.created_at.isoformat()}
        )
    return facts


def rule_name(rule: str) -> str:
    """The rule as a sentence fragment, with its number from the policy in force."""
    if rule == "handling_time_missed":
        return _(
            "the seller ships within %(days)d days of payment, or the order is cancelled and refunded"
        ) % {"days": policy.HANDLING_TIME.days}
    if rule == "protection_ended":
        return _("when buyer protection ends with no dispute open, receipt is confirmed automatically")
    if rule == "dispute_window_closed":
        return _(
            "%(days)d days after receipt is confirmed, with no dispute open, the payment is released to "
            "the seller"
        ) % {"days": policy.POST_CONFIRMATION_DISPUTE_WINDOW.days}
    return rule


def explained(*, rule: str, deadline: str | None, start: dict, start_label: str) -> str:
    """ "Rule: …. Deadline: …, started by “…” on …." for any automatic outcome."""
    parts = [_("Rule: %(rule)s.") % {"rule": rule}]
    if deadline:
        parts.append(_("Deadline: %(when)s.") % {"when": formatting.moment(datetime.fromisoformat(deadline))})
    if start:
        parts.append(
            _("The deadline started with “%(event)s” on %(when)s.")
            % {"event": start_label, "when": formatting.moment(datetime.fromisoformat(start["at"]))}
        )
    return " ".join(parts)


def _label(event_type: str) -> str:
    try:
        return str(OrderEvent.Type(event_type).label)
    except ValueError:
        return event_type


def explain(event: OrderEvent) -> str:
    """Why the clock did what ``event`` records; "" for an event a person caused."""
    rule = event.data.get("rule")
    if event.actor_id is not None or not rule:
        return ""
    start = event.data.get("started_by") or {}
    return explained(
        rule=rule_name(rule),
        deadline=event.data.get("deadline"),
        start=start,
        start_label=_label(start.get("type", "")),
    )
