"""What the clock did to a dispute and why (issue 16, item 4): the rule, the deadline it enforced
and the event that started that deadline, for the timeline, the e-mails and the dossier.

``events.disputes_auto_resolved`` records the facts; the sentence is written when read, in the
reader's language and time zone, through the same wording as the orders' (``orders.automatic``).
"""

from datetime import datetime

from django.utils.translation import gettext as _

from disputes import policy
from disputes.models import Dispute, DisputeEvent
from orders.automatic import explained


def started_by_each(disputes: list[tuple[Dispute, str]], *, before: datetime) -> list[dict]:
    """For each (dispute, state) pair, the facts of the latest event that entered ``state`` (whose
    deadline the clock is applying), read in one query."""
    entered = DisputeEvent.objects.filter(
        dispute__in=[dispute for dispute, _state in disputes],
        to_state__in={state for _dispute, state in disputes},
        created_at__lte=before,
    ).order_by("dispute_id", "to_state", "-created_at", "-id")
    latest: dict[tuple[int, str], DisputeEvent] = {}
    for event in entered.only("pk", "dispute_id", "to_state", "type", "created_at"):
        latest.setdefault((event.dispute_id, event.to_state), event)
    facts = []
    for dispute, state in disputes:
        event = latest.get((dispute.pk, state))
        facts.append(
            {}
            if event is None
            else {"event": event.pk, "type": event.type, "at": event.created_at.isoformat()}
        )
    return facts


def rule_name(rule: str) -> str:
    """The rule as a sentence fragment, with its window from the policy in force."""
    texts = {
        "seller_silent": (
            _("the seller answers within %(days)d days, or the buyer's request is accepted as asked"),
            policy.SELLER_RESPONSE_WINDOW,
        ),
        "buyer_silent": (
            _("the buyer answers the seller within %(days)d days, or the dispute closes as withdrawn"),
            policy.BUYER_RESPONSE_WINDOW,
        ),
        "return_not_shipped": (
            _(
                "the buyer ships the return within %(days)d days, "
                "or the dispute closes in the seller's favour"
            ),
            policy.RETURN_SHIPMENT_WINDOW,
        ),
        "return_not_confirmed": (
            _(
                "the seller confirms the return within %(days)d days of its dispatch, "
                "or the refund is paid anyway"
            ),
            policy.RETURN_CONFIRMATION_WINDOW,
        ),
        "evidence_not_provided": (
            _("requested evidence arrives within %(days)d days, or the mediator decides on what is there"),
            policy.EVIDENCE_RESPONSE_WINDOW,
        ),
    }
    if rule not in texts:
        return rule
    text, window = texts[rule]
    return text % {"days": window.days}


def _label(event_type: str) -> str:
    try:
        return str(DisputeEvent.Type(event_type).label)
    except ValueError:
        return event_type


def explain(event: DisputeEvent) -> str:
    """Why the clock decided what ``event`` records; "" for any other event."""
    if event.type != DisputeEvent.Type.AUTO_RESOLVED or not event.data.get("rule"):
        return ""
    start = event.data.get("started_by") or {}
    return explained(
        rule=rule_name(event.data["rule"]),
        deadline=event.data.get("deadline"),
        start=start,
        start_label=_label(start.get("type", "")),
    )
