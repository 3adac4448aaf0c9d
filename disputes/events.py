"""One constructor per dispute timeline event. ``actor=None`` means the clock acted.

Writing an event also adds what it counts to the statistics' tallies (``disputes.tallies``), in
the same transaction: every change writes its event here, so no change is left uncounted."""

from dataclasses import dataclass
from datetime import datetime

from disputes import automatic, tallies
from disputes.models import Dispute, DisputeEvent, Party
from portal.accounts.models import User
from portal.formatting import stored_label

T = DisputeEvent.Type


def _event(
    *,
    dispute: Dispute,
    type: str,
    at: datetime,
    actor: User | None = None,
    party: str = "",
    from_state: str = "",
    note: str = "",
    data: dict | None = None,
) -> DisputeEvent:
    """The event, not yet written."""
    return DisputeEvent(
        dispute=dispute,
        type=type,
        actor=actor,
        party=party,
        from_state=from_state,
        to_state=dispute.state if from_state else "",
        note=note,
        data=data or {},
        created_at=at,
    )


def _record(**fields) -> DisputeEvent:
    event = _event(**fields)
    event.save()
    tallies.record([event])
    return event


def _terms(dispute: Dispute) -> dict:
    return {"amount": str(dispute.requested_amount), "with_return": dispute.requested_return}


def dispute_opened(*, dispute: Dispute, actor: User, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.OPENED,
        actor=actor,
        party=Party.BUYER,
        from_state="new",
        at=at,
        data={**_terms(dispute), "reason": dispute.reason},
    )


def request_accepted(*, dispute: Dispute, actor: User, from_state: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.ACCEPTED,
        actor=actor,
        party=Party.SELLER,
        from_state=from_state,
        at=at,
        data={"amount": str(dispute.agreed_amount), "with_return": dispute.agreed_return},
    )


def counter_offered(
    *, dispute: Dispute, actor: User, from_state: str, proposal, at: datetime
) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.COUNTER_OFFERED,
        actor=actor,
        party=Party.SELLER,
        from_state=from_state,
        at=at,
        note=proposal.note,
        data={"amount": str(proposal.amount), "with_return": proposal.with_return, "proposal": proposal.pk},
    )


def request_rejected(
    *, dispute: Dispute, actor: User, from_state: str, note: str, at: datetime
) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.REJECTED,
        actor=actor,
        party=Party.SELLER,
        from_state=from_state,
        at=at,
        note=note,
    )


def offer_accepted(*, dispute: Dispute, actor: User, from_state: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.OFFER_ACCEPTED,
        actor=actor,
        party=Party.BUYER,
        from_state=from_state,
        at=at,
        data={"amount": str(dispute.agreed_amount), "with_return": dispute.agreed_return},
    )


def request_modified(
    *, dispute: Dispute, actor: User, from_state: str, note: str, at: datetime
) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.MODIFIED,
        actor=actor,
        party=Party.BUYER,
        from_state=from_state,
        at=at,
        note=note,
        data=_terms(dispute),
    )


def dispute_escalated(
    *, dispute: Dispute, actor: User, party: str, from_state: str, note: str, at: datetime
) -> DisputeEvent:
    return _record(
        dispute=dispute, type=T.ESCALATED, actor=actor, party=party, from_state=from_state, at=at, note=note
    )


def dispute_withdrawn(*, dispute: Dispute, actor: User, from_state: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute, type=T.WITHDRAWN, actor=actor, party=Party.BUYER, from_state=from_state, at=at
    )


def return_shipped(*, dispute: Dispute, actor: User, from_state: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.RETURN_SHIPPED,
        actor=actor,
        party=Party.BUYER,
        from_state=from_state,
        at=at,
        note=f"{stored_label(dispute.get_return_carrier_display)} {dispute.return_tracking_number}",
        data={"carrier": dispute.return_carrier, "tracking_number": dispute.return_tracking_number},
    )


def return_received(*, dispute: Dispute, actor: User, from_state: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute, type=T.RETURN_RECEIVED, actor=actor, party=Party.SELLER, from_state=from_state, at=at
    )


def return_problem_reported(
    *, dispute: Dispute, actor: User, from_state: str, note: str, at: datetime
) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.RETURN_PROBLEM,
        actor=actor,
        party=Party.SELLER,
        from_state=from_state,
        at=at,
        note=note,
    )


def evidence_added(*, dispute: Dispute, actor: User, party: str, evidence: list, note: str, at: datetime):
    return _record(
        dispute=dispute,
        type=T.EVIDENCE_ADDED,
        actor=actor,
        party=party,
        at=at,
        note=note,
        data={"files": [{"id": e.pk, "name": e.original_name, "sha256": e.sha256} for e in evidence]},
    )


def evidence_requested(*, dispute: Dispute, actor: User, from_state: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.EVIDENCE_REQUESTED,
        actor=actor,
        party=Party.MEDIATOR,
        from_state=from_state,
        at=at,
        note=dispute.evidence_request_note,
        data={"from": dispute.deadline_party, "due_at": dispute.deadline_at.isoformat()},
    )


def evidence_provided(
    *, dispute: Dispute, actor: User, party: str, from_state: str, note: str, at: datetime
) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.EVIDENCE_PROVIDED,
        actor=actor,
        party=party,
        from_state=from_state,
        at=at,
        note=note,
    )


def dispute_decided(*, dispute: Dispute, actor: User, from_state: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.DECIDED,
        actor=actor,
        party=Party.MEDIATOR,
        from_state=from_state,
        at=at,
        note=dispute.decision_note,
        data={
            "amount": str(dispute.agreed_amount or 0),
            "with_return": bool(dispute.agreed_return),
            "outcome": dispute.outcome,
        },
    )


@dataclass(frozen=True)
class AutoOutcome:
    """A deadline the clock applied to ``dispute``: ``rule`` names it, ``deadline`` is when it fell
    due, ``from_state`` the state it ended."""

    dispute: Dispute
    rule: str
    deadline: datetime
    from_state: str


def disputes_auto_resolved(outcomes: list[AutoOutcome], *, at: datetime) -> list[DisputeEvent]:
    """The clock applied these deadlines: each event names the rule, when the deadline fell due
    and the event that started it; written in one INSERT (the sweep applies dozens at once)."""
    # The event that started each deadline: the one that entered the state it ended.
    starts = automatic.started_by_each([(o.dispute, o.from_state) for o in outcomes], before=at)
    written = DisputeEvent.objects.bulk_create(
        _event(
            dispute=outcome.dispute,
            type=T.AUTO_RESOLVED,
            from_state=outcome.from_state,
            at=at,
            data={"rule": outcome.rule, "deadline": outcome.deadline.isoformat(), "started_by": start},
        )
        for outcome, start in zip(outcomes, starts, strict=True)
    )
    tallies.record(written)
    return written


def deadline_extended(*, dispute: Dispute, actor: User, party: str, days: int, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.DEADLINE_EXTENDED,
        actor=actor,
        party=party,
        at=at,
        data={"days": days, "deadline": dispute.deadline_at.isoformat()},
    )


def mediator_assigned(*, dispute: Dispute, actor: User, at: datetime) -> DisputeEvent:
    return _record(dispute=dispute, type=T.ASSIGNED, actor=actor, party=Party.MEDIATOR, at=at)


def reminder_sent(*, dispute: Dispute, hours_left: int, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute,
        type=T.REMINDER_SENT,
        party=dispute.deadline_party,
        at=at,
        data={"hours_left": hours_left, "deadline": dispute.deadline_at.isoformat()},
    )


def mediator_message(*, dispute: Dispute, actor: User, note: str, at: datetime) -> DisputeEvent:
    return _record(
        dispute=dispute, type=T.MEDIATOR_MESSAGE, actor=actor, party=Party.MEDIATOR, at=at, note=note
    )
