"""An appeal as the dispute page tells it: the appeal's events on the dispute's own timeline, in
order with the dispute's, the state badge saying the case is under appeal (then the appeal's
result, which is final), and the first decision's terms named for what they now are."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from disputes.appeal_notifications import decision_sentence
from disputes.models import Appeal, AppealEvent, Dispute
from disputes.selectors import TimelineEntry

T = AppealEvent.Type


def appeal_event_sentence(event: AppealEvent) -> str:
    """The timeline line for an appeal event, in the reader's language."""
    party = event.get_party_display().lower()
    if event.type == T.FILED:
        return _("Appeal filed by the %(party)s") % {"party": party}
    if event.type == T.ANSWERED:
        return _("Appeal answered by the %(party)s") % {"party": party}
    if event.type == T.ANSWER_MISSED:
        return _("The appeal was not answered before the deadline")
    if event.type == T.ASSIGNED:
        return _("A second mediator took the appeal")
    if event.type == T.DECIDED:
        return _("Appeal decided (final). %(decision)s") % {"decision": decision_sentence(event.appeal)}
    return _("Reminder about the appeal sent to the %(party)s") % {"party": party}


def with_appeal(timeline: list[TimelineEntry], appeal: Appeal) -> list[TimelineEntry]:
    """The dispute's timeline with the appeal's events merged in by time (one query)."""
    events = list(appeal.events.select_related("actor").order_by("created_at", "id"))
    entries = []
    for event in events:
        event.appeal = appeal  # in hand already: the decided line reads its amounts
        entries.append(
            TimelineEntry(
                event=event,
                sentence=appeal_event_sentence(event),
                by_clock=event.actor_id is None,
                note=event.note,
            )
        )
    return sorted([*timeline, *entries], key=lambda entry: entry.event.created_at)


@dataclass(frozen=True)
class StateBadge:
    label: str
    tone: str


def appeal_badge(dispute: Dispute, appeal: Appeal) -> StateBadge:
    """What the state badge says once the decision is appealed."""
    if not appeal.is_final:
        return StateBadge(
            _("%(state)s · under appeal") % {"state": dispute.get_state_display()}, "text-bg-warning"
        )
    tone = {Appeal.Outcome.FOR_BUYER: "text-bg-success", Appeal.Outcome.FOR_SELLER: "text-bg-secondary"}
    return StateBadge(
        _("%(outcome)s (appeal, final)") % {"outcome": appeal.get_outcome_display()},
        tone.get(appeal.outcome, "text-bg-dark"),
    )


def appeal_terms_label(appeal: Appeal) -> str:
    """What the first decision's locked terms are called once it is appealed."""
    if not appeal.is_final:
        return _("Decided terms (under appeal)")
    if appeal.outcome == Appeal.Outcome.UPHELD:
        return _("Decided terms (final)")
    return _("First decision's terms (changed on appeal)")
