"""An appeal against a mediator's decision: filed once by either party, answered by the other
within its own deadline, decided for good by a different mediator (issue 16, item 1)."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from disputes import policy
from disputes.models.dispute import Dispute
from disputes.roles import Party
from orders.models import MONEY
from portal import reminders
from portal.choices import ChoiceLabels
from portal.records import AppendOnlyModel


class Appeal(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """One appeal per dispute (the one-to-one is the database's "no second appeal")."""

    class State(models.TextChoices):
        AWAITING_ANSWER = "awaiting_answer", _("Waiting for the other party's answer")
        IN_REVIEW = "in_review", _("With a second mediator")
        DECIDED = "decided", _("Decided (final)")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("The decision stands")
        FOR_BUYER = "for_buyer", _("Changed in the buyer's favour")
        FOR_SELLER = "for_seller", _("Changed in the seller's favour")

    dispute = models.OneToOneField(Dispute, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.CharField(max_length=8, choices=Party.choices)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    filed_at = models.DateTimeField()
    state = FSMField(default=State.AWAITING_ANSWER, choices=State.choices, protected=True)

    #: The decision under appeal, as it stood when the appeal was filed.
    first_mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_decided_at = models.DateTimeField()
    first_refund = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)

    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    #: The other party's answer is due by then; silence sends the appeal on without it.
    deadline_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True)

    assigned_mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    #: What the buyer gets back in total after the appeal, and what it changed.
    final_refund = models.DecimalField(**MONEY, null=True, blank=True)
    #: Paid to the buyer on top of the first decision's refund.
    refund_difference = models.DecimalField(**MONEY, null=True, blank=True)
    #: Refunded under the first decision but not owed under the appeal's (kept by the buyer).
    overpaid_amount = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.CheckConstraint(
                condition=Q(assigned_mediator__isnull=True) | ~Q(assigned_mediator=F("first_mediator")),
                name="appeal_taken_by_another_mediator",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("first_mediator")),
                name="appeal_decided_by_another_mediator",
            ),
            models.CheckConstraint(
                condition=~Q(state="awaiting_answer") | Q(deadline_at__isnull=False),
                name="appeal_awaiting_answer_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(state="decided")
                | (Q(decided_by__isnull=False, final_refund__isnull=False) & ~Q(outcome="")),
                name="decided_appeal_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(refund_difference__isnull=True) | Q(refund_difference__gte=0),
                name="appeal_refund_difference_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(overpaid_amount__isnull=True) | Q(overpaid_amount__gte=0),
                name="appeal_overpaid_not_negative",
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline_at"], name="appeal_answer_due_idx", condition=Q(state="awaiting_answer")
            ),
            models.Index(
                fields=["next_reminder_at"],
                name="appeal_reminder_idx",
                condition=Q(next_reminder_at__isnull=False),
            ),
            models.Index(fields=["state", "filed_at"], name="appeal_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"A-{self.pk} ({self.dispute_id})" if self.pk else "new appeal"

    @property
    def reference(self) -> str:
        return f"A-{self.pk}"

    @property
    def respondent(self) -> str:
        return Party.SELLER if self.appellant == Party.BUYER else Party.BUYER

    def get_respondent_display(self) -> str:
        return Party(self.respondent).label

    @property
    def is_final(self) -> bool:
        return self.state == self.State.DECIDED

    def answer_due(self, now: datetime) -> bool:
        """Whether the answer's deadline has passed at ``now``: the appeal goes on without it."""
        return self.state == self.State.AWAITING_ANSWER and self.deadline_at <= now

    def start_answer_clock(self, at: datetime) -> None:
        self.deadline_at = at + policy.APPEAL_ANSWER_WINDOW
        self.reminders_sent = 0
        self.schedule_next_reminder()

    def schedule_next_reminder(self) -> None:
        self.next_reminder_at = reminders.next_reminder_at(
            self.deadline_at if self.state == self.State.AWAITING_ANSWER else None,
            sent=self.reminders_sent,
            before=policy.REMINDERS_BEFORE,
        )

    def _stop_clock(self) -> None:
        self.deadline_at = None
        self.next_reminder_at = None

    @transition(field=state, source=State.AWAITING_ANSWER, target=State.IN_REVIEW)
    def record_answer(self, *, at: datetime, text: str) -> None:
        self.answer = text
        self.answered_at = at
        self._stop_clock()

    @transition(field=state, source=State.AWAITING_ANSWER, target=State.IN_REVIEW)
    def expire_answer(self, *, at: datetime) -> None:
        self._stop_clock()

    @transition(field=state, source=State.IN_REVIEW, target=State.DECIDED)
    def decide(self, *, at: datetime, by, final_refund: Decimal, note: str) -> None:
        self.decided_by = by
        self.assigned_mediator = self.assigned_mediator or by
        self.decided_at = at
        self.decision_note = note
        self.final_refund = final_refund
        zero = Decimal("0.00")
        self.refund_difference = max(final_refund - self.first_refund, zero)
        self.overpaid_amount = max(self.first_refund - final_refund, zero)
        if final_refund > self.first_refund:
            self.outcome = self.Outcome.FOR_BUYER
        elif final_refund < self.first_refund:
            self.outcome = self.Outcome.FOR_SELLER
        else:
            self.outcome = self.Outcome.UPHELD


class AppealClawback(models.Model):
    """Finance's record that the marketplace claws back what an appeal found overpaid
    (``DISPUTES_APPEAL_CLAWBACK``). It is recovered by finance from the seller's side of the
    books; nothing here ever charges the buyer's card."""

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="clawback")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="appeal_clawback_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.appeal})"


class AppealEvent(ChoiceLabels, AppendOnlyModel):
    """The appeal's append-only timeline; ``actor`` is ``None`` when the clock acted."""

    class Type(models.TextChoices):
        FILED = "filed", _("Appeal filed")
        ANSWERED = "answered", _("Appeal answered")
        ANSWER_MISSED = "answer_missed", _("No answer before the deadline")
        ASSIGNED = "assigned", _("Second mediator assigned")
        DECIDED = "decided", _("Appeal decided")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=16, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    party = models.CharField(max_length=8, choices=Party.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["appeal", "created_at"], name="appeal_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.type}"
