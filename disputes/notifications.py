"""What each dispute event tells the parties: what happened, who must act next and by when, or
how it ended. The kernel delivers them (``portal.notifications``), in each recipient's language
and time zone; ``DisputesConfig.ready`` registers :func:`event_messages` with it."""

from collections.abc import Iterator
from decimal import Decimal

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from disputes import automatic
from disputes.models import Dispute, DisputeEvent, Party
from disputes.selectors import deadline_sentence, event_sentence, next_step_sentence, required_action
from orders.models import Carrier
from portal import formatting
from portal.accounts.models import User
from portal.notifications.services import Message, quoted

DISPUTE_TITLES: dict[str, Promise] = {
    "opened": gettext_lazy("Dispute %(reference)s opened on order %(number)s"),
    "accepted": gettext_lazy("Dispute %(reference)s: the seller accepted the request"),
    "counter_offered": gettext_lazy("Dispute %(reference)s: the seller made a counter-offer"),
    "rejected": gettext_lazy("Dispute %(reference)s: the seller rejected the request"),
    "offer_accepted": gettext_lazy("Dispute %(reference)s: the buyer accepted the offer"),
    "modified": gettext_lazy("Dispute %(reference)s: the buyer changed the request"),
    "escalated": gettext_lazy("Dispute %(reference)s was escalated to a mediator"),
    "withdrawn": gettext_lazy("Dispute %(reference)s was withdrawn"),
    "return_shipped": gettext_lazy("Dispute %(reference)s: the return is on its way"),
    "return_received": gettext_lazy("Dispute %(reference)s: the return arrived"),
    "return_problem": gettext_lazy("Dispute %(reference)s: a problem with the return was reported"),
    "evidence_added": gettext_lazy("Dispute %(reference)s: new evidence was added"),
    "evidence_requested": gettext_lazy("Dispute %(reference)s: the mediator asks for evidence"),
    "evidence_provided": gettext_lazy("Dispute %(reference)s: the requested evidence was sent"),
    "decided": gettext_lazy("Dispute %(reference)s was decided by a mediator"),
    "auto_resolved": gettext_lazy("Dispute %(reference)s: a deadline passed"),
    "deadline_extended": gettext_lazy("Dispute %(reference)s: a deadline was extended"),
    "assigned": gettext_lazy("Dispute %(reference)s: a mediator took the case"),
    "reminder_sent": gettext_lazy("Reminder: dispute %(reference)s needs your action"),
    "mediator_message": gettext_lazy("Dispute %(reference)s: a message from the mediator"),
}

#: Events that only the party who must act next hears about.
TO_ACTING_PARTY_ONLY = {"reminder_sent"}


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "”", "»")) else f"{text}."


def dispute_happened(event: DisputeEvent) -> str:
    """What happened, for the parties: the timeline's sentence, with the note it carries."""
    T, dispute = DisputeEvent.Type, event.dispute
    if event.type == T.OPENED:
        terms = {
            "number": dispute.order.number,
            "reason": dispute.get_reason_display(),
            "money": _money(event.data.get("amount"), dispute.currency),
        }
        if event.data.get("with_return"):
            return (
                _(
                    "The buyer opened a dispute on order %(number)s: %(reason)s. They ask for a refund of "
                    "%(money)s and will send the item back."
                )
                % terms
            )
        return (
            _(
                "The buyer opened a dispute on order %(number)s: %(reason)s. "
                "They ask for a refund of %(money)s."
            )
            % terms
        )
    if event.type == T.REMINDER_SENT:
        hours = event.data.get("hours_left", 0)
        return ngettext(
            "%(hours)d hour left to act on dispute %(reference)s.",
            "%(hours)d hours left to act on dispute %(reference)s.",
            hours,
        ) % {"hours": hours, "reference": dispute.reference}
    if event.type == T.RETURN_SHIPPED:
        return _("The buyer sent the item back with %(carrier)s, tracking number %(tracking)s.") % {
            "carrier": Carrier(event.data["carrier"]).label if event.data.get("carrier") else "",
            "tracking": event.data.get("tracking_number", ""),
        }
    if event.type == T.EVIDENCE_ADDED:
        count = len(event.data.get("files", []))
        return ngettext(
            "%(count)d file was added to the evidence.", "%(count)d files were added to the evidence.", count
        ) % {"count": count} + quoted(event.note)
    if event.type == T.AUTO_RESOLVED:
        return f"{_sentence(event_sentence(event))} {automatic.explain(event)}".strip()
    return _sentence(event_sentence(event)) + quoted(event.note)


def _money(amount, currency: str) -> str:
    return formatting.money(Decimal(amount or "0"), currency)


def _next_for(dispute: Dispute, party: str) -> dict:
    """The next-step fields of a party's message: what they must do, or what happens next."""
    if dispute.is_open and dispute.deadline_party == party:
        return {
            "next_step": lambda: _sentence(capfirst(required_action(dispute))),
            "otherwise": lambda: deadline_sentence(dispute),
            "act_by": dispute.deadline_at,
        }
    return {"next_step": lambda: next_step_sentence(dispute)}


def messages_about(event: DisputeEvent) -> Iterator[tuple[User, Message]]:
    """The messages one dispute event produces: each party except the one who acted."""
    title = DISPUTE_TITLES.get(event.type)
    if title is None:
        return
    dispute = event.dispute
    parties = {Party.BUYER: dispute.buyer, Party.SELLER: dispute.store.owner}
    url = reverse("disputes:detail", kwargs={"pk": dispute.pk})
    for party, recipient in parties.items():
        if event.actor_id == recipient.pk:
            continue
        if event.type in TO_ACTING_PARTY_ONLY and dispute.deadline_party != party:
            continue
        next_fields = _next_for(dispute, party)
        yield (
            recipient,
            Message(
                kind=f"dispute.{event.type}",
                title=title,
                body=lambda event=event: dispute_happened(event),
                url=url,
                link_text=gettext_lazy("Open dispute %(reference)s"),
                dedupe_key=f"dispute-event:{event.pk}",
                happened_at=event.created_at,
                params={"reference": dispute.reference, "number": dispute.order.number},
                essential="act_by" in next_fields
                or not dispute.is_open
                or event.type in TO_ACTING_PARTY_ONLY,
                **next_fields,
            ),
        )


def event_messages(event_id: int) -> Iterator[tuple[User, Message]]:
    """The messages about the dispute event ``event_id``; none if it no longer exists."""
    event = (
        DisputeEvent.objects.select_related(
            "dispute__order", "dispute__buyer", "dispute__store__owner", "actor"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is not None:
        yield from messages_about(event)
