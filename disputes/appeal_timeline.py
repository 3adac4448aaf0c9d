"""An appeal as the dispute page tells it: the appeal's events on the dispute's own timeline, in
order with the dispute's, the state badge saying the case is under appeal (then the appeal's
result, which is final), and the first decision's terms named for what they now are."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from disputes.appeal_notifications import decision_sentence
from disputes.models import Appeal, AppealEvent, Dispute
from disputes.selectors import TimelineEntry

T = AppealEvent.Type


def appeal_event_line(event: AppealEvent) -> tuple[str, str]:
    """The timeline line for an appeal event and the note under it, in the reader's language:
    the event's name (who acted is on the line below it), and for the decision what it changed
    in money above the second mediator's own words."""
    if event.type == T.DECIDED:
        note = "\n".join(filter(None, (decision_sentence(event.appeal), event.note)))
        return event.get_type_display(), note
    return event.get_type_display(), event.note


def with_appeal(timeline: list[TimelineEntry], appeal: Appeal) -> list[TimelineEntry]:
    """The dispute's timeline with the appeal's events merged in by time (one query)."""
    events = list(appeal.events.select_related("actor").order_by("created_at", "id"))
    entries = []
    for event in events:
        event.appeal = appeal  # in hand already: the decided line reads its amounts
        sentence, note = appeal_event_line(event)
        entries.append(
            TimelineEntry(event=event, sentence=sentence, by_clock=event.actor_id is None, note=note)
        )
    return sorted([*timeline, *entries], key=lambda entry: entry.event.created_at)


@dataclass(frozen=True)
class StateBadge:
    label: str
    tone: str


def appeal_badge(dispute: Dispute, appeal: Appeal) -> StateBadge:
    """What the state badge says once the decision is appealed: the state and "under appeal",
    then the appeal's outcome and that it is decided (final)."""
    if not appeal.is_final:
        under_appeal = _("Under appeal")
        return StateBadge(f"{dispute.get_state_display()} · {under_appeal}", "text-bg-warning")
    tone = {Appeal.Outcome.FOR_BUYER: "text-bg-success", Appeal.Outcome.FOR_SELLER: "text-bg-secondary"}
    return StateBadge(
        f"{appeal.get_outcome_display()} · {T.DECIDED.label}", tone.get(appeal.outcome, "text-bg-dark")
    )


def appeal_terms_label(appeal: Appeal) -> str:
    """What the first decision's locked terms are called once it is appealed."""
    if not appeal.is_final:
        return _("Decided terms (under appeal)")
    if appeal.outcome == Appeal.Outcome.UPHELD:
        return _("Decided terms (final)")
    return _("First decision's terms (changed on appeal)")
