"""One constructor per appeal timeline event. ``actor=None`` means the clock acted."""

from datetime import datetime

from disputes.models import Appeal, AppealEvent, Party
from portal.accounts.models import User

T = AppealEvent.Type


def _record(
    *,
    appeal: Appeal,
    type: str,
    at: datetime,
    actor: User | None = None,
    party: str = "",
    note: str = "",
    data: dict | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal, type=type, actor=actor, party=party, note=note, data=data or {}, created_at=at
    )


def appeal_filed(*, appeal: Appeal, actor: User, evidence: list, at: datetime) -> AppealEvent:
    return _record(
        appeal=appeal,
        type=T.FILED,
        actor=actor,
        party=appeal.appellant,
        note=appeal.reason,
        at=at,
        data={"files": [item.pk for item in evidence], "answer_due": appeal.deadline_at.isoformat()},
    )


def appeal_answered(*, appeal: Appeal, actor: User, evidence: list, at: datetime) -> AppealEvent:
    return _record(
        appeal=appeal,
        type=T.ANSWERED,
        actor=actor,
        party=appeal.respondent,
        note=appeal.answer,
        at=at,
        data={"files": [item.pk for item in evidence]},
    )


def answer_missed(*, appeal: Appeal, deadline: datetime, at: datetime) -> AppealEvent:
    return _record(appeal=appeal, type=T.ANSWER_MISSED, at=at, data={"deadline": deadline.isoformat()})


def appeal_assigned(*, appeal: Appeal, actor: User, at: datetime) -> AppealEvent:
    return _record(appeal=appeal, type=T.ASSIGNED, actor=actor, party=Party.MEDIATOR, at=at)


def appeal_decided(*, appeal: Appeal, actor: User, at: datetime) -> AppealEvent:
    return _record(
        appeal=appeal,
        type=T.DECIDED,
        actor=actor,
        party=Party.MEDIATOR,
        note=appeal.decision_note,
        at=at,
        data={
            "outcome": appeal.outcome,
            "final_refund": str(appeal.final_refund),
            "refund_difference": str(appeal.refund_difference),
            "overpaid_amount": str(appeal.overpaid_amount),
        },
    )


def reminder_sent(*, appeal: Appeal, hours_left: int, at: datetime) -> AppealEvent:
    return _record(
        appeal=appeal, type=T.REMINDER_SENT, party=appeal.respondent, at=at, data={"hours_left": hours_left}
    )
