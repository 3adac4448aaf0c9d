"""What each appeal event tells the buyer and the seller, in their language and time zone: both
hear of the filing, the answer (or its absence) and the decision; only the party who must answer
gets the reminders. ``DisputesConfig.ready`` registers :func:`appeal_event_messages`."""

from collections.abc import Iterator
from decimal import Decimal

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from disputes.models import Appeal, AppealEvent, Party
from portal import formatting
from portal.accounts.models import User
from portal.notifications.services import Message, quoted

T = AppealEvent.Type

APPEAL_TITLES: dict[str, Promise] = {
    T.FILED: gettext_lazy("Dispute %(reference)s: the decision was appealed"),
    T.ANSWERED: gettext_lazy("Dispute %(reference)s: the appeal was answered"),
    T.ANSWER_MISSED: gettext_lazy("Dispute %(reference)s: the appeal went to a mediator without an answer"),
    T.DECIDED: gettext_lazy("Dispute %(reference)s: the appeal was decided (final)"),
    T.REMINDER_SENT: gettext_lazy("Reminder: answer the appeal on dispute %(reference)s"),
}


def _money(amount, currency: str) -> str:
    return formatting.money(Decimal(amount or "0"), currency)


def _party_name(party: str) -> str:
    return _("the buyer") if party == Party.BUYER else _("the seller")


def decision_sentence(appeal: Appeal) -> str:
    """What the appeal's decision changed, in money: the same words on the page and in the e-mail."""
    final = _money(appeal.final_refund, appeal.currency)
    if appeal.outcome == Appeal.Outcome.FOR_BUYER:
        return _(
            "The decision changes in the buyer's favour: a refund of %(final)s in total; "
            "the difference of %(difference)s is refunded to the buyer."
        ) % {"final": final, "difference": _money(appeal.refund_difference, appeal.currency)}
    if appeal.outcome == Appeal.Outcome.FOR_SELLER:
        return _(
            "The decision changes in the seller's favour: the buyer was owed %(final)s. The %(over)s "
            "already refunded is not taken back from the buyer."
        ) % {"final": final, "over": _money(appeal.overpaid_amount, appeal.currency)}
    return _("The decision stands: a refund of %(final)s in total.") % {"final": final}


def final_outcome_sentence(appeal: Appeal) -> str:
    """The dispute's result as changed by the appeal, for the page's outcome heading."""
    final = _money(appeal.final_refund, appeal.currency)
    if appeal.outcome == Appeal.Outcome.FOR_BUYER:
        return _("Changed on appeal in the buyer's favour: a refund of %(final)s in total.") % {
            "final": final
        }
    return _("Changed on appeal in the seller's favour: the buyer was owed %(final)s in total.") % {
        "final": final
    }


def appeal_happened(event: AppealEvent) -> str:
    """What happened, for the parties, with the words the person wrote."""
    appeal = event.appeal
    if event.type == T.FILED:
        return _(
            "%(who)s appealed the mediator's decision. A different mediator will review the case; "
            "%(other)s can answer by %(date)s."
        ) % {
            "who": _party_name(appeal.appellant).capitalize(),
            "other": _party_name(appeal.respondent),
            "date": formatting.moment(appeal.deadline_at or event.created_at, zone=True),
        } + quoted(event.note)
    if event.type == T.ANSWERED:
        return _("%(who)s answered the appeal. A different mediator will now decide it.") % {
            "who": _party_name(appeal.respondent).capitalize()
        } + quoted(event.note)
    if event.type == T.ANSWER_MISSED:
        return _("No answer came by the deadline. A different mediator will decide the appeal as it stands.")
    if event.type == T.REMINDER_SENT:
        hours = event.data.get("hours_left", 0)
        return ngettext(
            "%(hours)d hour left to answer the appeal.", "%(hours)d hours left to answer the appeal.", hours
        ) % {"hours": hours}
    return (
        _("A second mediator decided the appeal. This decision is final and cannot be appealed again.")
        + " "
        + decision_sentence(appeal)
        + quoted(event.note)
    )


def _recipients(event: AppealEvent) -> dict[str, User]:
    dispute = event.appeal.dispute
    parties = {Party.BUYER: dispute.buyer, Party.SELLER: dispute.store.owner}
    if event.type == T.REMINDER_SENT:
        return {event.appeal.respondent: parties[event.appeal.respondent]}
    return parties


def appeal_event_messages(event_id: int) -> Iterator[tuple[User, Message]]:
    """The messages about the appeal event ``event_id``; none if it no longer exists."""
    event = (
        AppealEvent.objects.select_related(
            "appeal__dispute__order", "appeal__dispute__buyer", "appeal__dispute__store__owner"
        )
        .filter(pk=event_id)
        .first()
    )
    title = APPEAL_TITLES.get(event.type) if event is not None else None
    if title is None:
        return
    appeal, dispute = event.appeal, event.appeal.dispute
    must_answer = appeal.state == Appeal.State.AWAITING_ANSWER
    for party, recipient in _recipients(event).items():
        acting = must_answer and party == appeal.respondent
        next_fields = (
            {
                "next_step": gettext_lazy(
                    "Answer the appeal on the dispute page, with evidence if you have it."
                ),
                "otherwise": gettext_lazy("The appeal goes to a different mediator without your answer."),
                "act_by": appeal.deadline_at,
            }
            if acting
            else {}
        )
        yield (
            recipient,
            Message(
                kind=f"appeal.{event.type}",
                title=title,
                body=lambda event=event: appeal_happened(event),
                url=reverse("disputes:detail", kwargs={"pk": dispute.pk}),
                link_text=gettext_lazy("Open dispute %(reference)s"),
                dedupe_key=f"appeal-event:{event.pk}:{party}",
                happened_at=event.created_at,
                params={"reference": dispute.reference, "number": dispute.order.number},
                essential=True,
                **next_fields,
            ),
        )
