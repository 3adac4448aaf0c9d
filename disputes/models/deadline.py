"""The one deadline of an open dispute: who must act, by when, what happens otherwise, its
reminders and its one extension. ``Dispute`` declares the fields; this sets them."""

from datetime import datetime, timedelta

from disputes import policy
from disputes.roles import Party
from portal import reminders


class DisputeDeadline:
    """The deadline bookkeeping of :class:`~disputes.models.Dispute`, which mixes it in."""

    def deadline_due(self, now: datetime) -> bool:
        """Whether the clock's deadline has passed at ``now``: what it says happens, whoever acts."""
        return self.state in self.ENFORCED_STATES and self.deadline_at is not None and self.deadline_at <= now

    @property
    def deadline_protects(self) -> str:
        """The party who benefits when the deadline passes, and so may extend it once."""
        return {
            self.DeadlineKind.GRANT_REQUEST: Party.BUYER,
            self.DeadlineKind.WITHDRAW: Party.SELLER,
            self.DeadlineKind.RESOLVE_FOR_SELLER: Party.SELLER,
            self.DeadlineKind.REFUND_ANYWAY: Party.BUYER,
        }.get(self.deadline_kind, "")

    def set_deadline(self, *, at: datetime | None, party: str = "", kind: str = "") -> None:
        """Replace the current deadline; a new deadline gets its own reminders and extension."""
        self.deadline_at, self.deadline_party, self.deadline_kind = (
            at,
            party if at else "",
            kind if at else "",
        )
        self.deadline_extended = False
        self.reminders_sent = 0
        self.schedule_next_reminder()

    def schedule_next_reminder(self) -> None:
        """Point ``next_reminder_at`` at the next reminder still to send for this deadline."""
        reminded = self.deadline_party in (Party.BUYER, Party.SELLER)
        self.next_reminder_at = reminders.next_reminder_at(
            self.deadline_at if reminded else None, sent=self.reminders_sent, before=policy.REMINDERS_BEFORE
        )

    def extend_deadline(self, *, by: timedelta) -> None:
        self.deadline_at += by
        self.deadline_extended = True
        self.reminders_sent = 0
        self.schedule_next_reminder()

    def start_clock(self, state: str, at: datetime) -> None:
        """Set the deadline that comes with entering ``state`` at ``at``."""
        S, K = self.State, self.DeadlineKind
        if state == S.AWAITING_SELLER:
            self.set_deadline(at=at + policy.SELLER_RESPONSE_WINDOW, party=Party.SELLER, kind=K.GRANT_REQUEST)
        elif state == S.AWAITING_BUYER:
            self.set_deadline(at=at + policy.BUYER_RESPONSE_WINDOW, party=Party.BUYER, kind=K.WITHDRAW)
        elif state == S.AWAITING_RETURN:
            self.set_deadline(
                at=at + policy.RETURN_SHIPMENT_WINDOW, party=Party.BUYER, kind=K.RESOLVE_FOR_SELLER
            )
        elif state == S.RETURN_IN_TRANSIT:
            self.set_deadline(
                at=self.return_shipped_at + policy.RETURN_CONFIRMATION_WINDOW,
                party=Party.SELLER,
                kind=K.REFUND_ANYWAY,
            )
        elif state == S.IN_MEDIATION:
            self.set_deadline(
                at=(self.escalated_at or at) + policy.MEDIATION_SERVICE_TARGET,
                party=Party.MEDIATOR,
                kind=K.MEDIATION_TARGET,
            )
        else:
            self.set_deadline(at=None)
