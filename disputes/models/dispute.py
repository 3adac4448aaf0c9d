"""The dispute: the negotiation state machine, with exactly one deadline per open dispute."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from disputes import roles
from disputes.models import choices
from disputes.models.deadline import DisputeDeadline
from disputes.roles import Party
from orders.models import MONEY, Carrier, Order, Store
from portal.choices import ChoiceLabels

#: State values for the database's constraints and partial indexes (the FSM's own tuples live
#: on Dispute; these plain strings keep migrations stable).
OPEN_STATE_VALUES = [
    "awaiting_seller",
    "awaiting_buyer",
    "awaiting_return",
    "return_in_transit",
    "in_mediation",
    "evidence_requested",
]
ENFORCED_STATE_VALUES = [state for state in OPEN_STATE_VALUES if state != "in_mediation"]
CLOSED_STATE_VALUES = ["resolved_buyer", "resolved_seller", "withdrawn"]
MEDIATION_STATE_VALUES = ["in_mediation", "evidence_requested"]
#: What the queue's filters and sort read of a case in mediation, held by ``dispute_mediation_idx``.
MEDIATION_QUEUE_COLUMNS = ["id", "escalated_at", "reason", "currency", "requested_amount", "ship_to_country"]
MEDIATION_QUEUE_COLUMNS += ["buyer", "order"]  # and the keys a row is joined by


class Dispute(ChoiceLabels, DisputeDeadline, ConcurrentTransitionMixin, models.Model):
    State = choices.State
    Reason = choices.Reason
    DeadlineKind = choices.DeadlineKind
    Outcome = choices.Outcome

    OPEN_STATES = (
        State.AWAITING_SELLER,
        State.AWAITING_BUYER,
        State.AWAITING_RETURN,
        State.RETURN_IN_TRANSIT,
        State.IN_MEDIATION,
        State.EVIDENCE_REQUESTED,
    )
    CLOSED_STATES = (State.RESOLVED_BUYER, State.RESOLVED_SELLER, State.WITHDRAWN)
    MEDIATION_STATES = (State.IN_MEDIATION, State.EVIDENCE_REQUESTED)
    #: States whose deadline the clock enforces (the mediator's target is only a target).
    ENFORCED_STATES = (
        State.AWAITING_SELLER,
        State.AWAITING_BUYER,
        State.AWAITING_RETURN,
        State.RETURN_IN_TRANSIT,
        State.EVIDENCE_REQUESTED,
    )

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("order")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("buyer")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("store")
    )
    reason = models.CharField(max_length=24, choices=Reason.choices, verbose_name=_("reason"))
    item_received = models.BooleanField(verbose_name=_("item received"))
    description = models.TextField(verbose_name=_("description"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    #: The order's destination (fixed at checkout), kept as its currency is: the queue filters by
    #: it without looking up each case's order (issue 17).
    ship_to_country = models.CharField(max_length=2, blank=True, verbose_name=_("destination country"))
    state = FSMField(
        default=State.AWAITING_SELLER, choices=State.choices, protected=True, verbose_name=_("state")
    )

    #: The buyer's current request (the latest buyer proposal), shown to the seller.
    #: The most this dispute can refund: what is left to refund on the disputed items.
    max_refund = models.DecimalField(**MONEY, verbose_name=_("max refund"))
    requested_amount = models.DecimalField(**MONEY, verbose_name=_("requested amount"))
    requested_return = models.BooleanField(verbose_name=_("requested return"))
    #: Locked terms once both sides (or a mediator) agreed.
    agreed_amount = models.DecimalField(**MONEY, null=True, blank=True, verbose_name=_("agreed amount"))
    agreed_return = models.BooleanField(null=True, blank=True, verbose_name=_("agreed return"))
    return_address = models.TextField(blank=True, verbose_name=_("return address"))
    return_carrier = models.CharField(
        max_length=16, choices=Carrier.choices, blank=True, verbose_name=_("return carrier")
    )
    return_tracking_number = models.CharField(
        max_length=64, blank=True, verbose_name=_("return tracking number")
    )
    return_shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("return shipped at"))
    return_received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("return received at"))

    opened_at = models.DateTimeField(verbose_name=_("opened at"))
    seller_first_response_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("seller first response at")
    )
    #: The seller has answered with something other than acceptance: escalation is open.
    seller_disagreed = models.BooleanField(default=False, verbose_name=_("seller disagreed"))
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("escalated at"))
    escalated_by = models.CharField(
        max_length=8, choices=Party.choices, blank=True, verbose_name=_("escalated by")
    )
    assigned_mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_disputes",
        verbose_name=_("assigned mediator"),
    )
    evidence_requested_from = models.CharField(
        max_length=8, choices=Party.choices, blank=True, verbose_name=_("evidence requested from")
    )
    evidence_request_note = models.TextField(blank=True, verbose_name=_("evidence request note"))

    #: The one current deadline: who must act, by when, and what happens otherwise.
    deadline_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deadline at"))
    deadline_party = models.CharField(
        max_length=8, choices=Party.choices, blank=True, verbose_name=_("deadline party")
    )
    deadline_kind = models.CharField(
        max_length=24, choices=DeadlineKind.choices, blank=True, verbose_name=_("deadline kind")
    )
    deadline_extended = models.BooleanField(default=False, verbose_name=_("deadline extended"))
    #: How many of ``policy.REMINDERS_BEFORE`` went out for the current deadline.
    reminders_sent = models.PositiveSmallIntegerField(default=0, verbose_name=_("reminders sent"))
    next_reminder_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next reminder at"))

    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, verbose_name=_("outcome"))
    refund_amount = models.DecimalField(**MONEY, null=True, blank=True, verbose_name=_("refund amount"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_disputes",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(blank=True, verbose_name=_("decision note"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        permissions = [
            ("mediate_dispute", "Can work the mediation queue"),
            ("request_evidence", "Can request evidence in a dispute"),
            ("decide_dispute", "Can decide a dispute"),
            ("blacklist_buyer", "Can blacklist a buyer from opening disputes"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(state__in=OPEN_STATE_VALUES),
                name="one_open_dispute_per_order",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="dispute_requested_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(agreed_amount__isnull=True) | Q(agreed_amount__gt=0),
                name="dispute_agreed_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gte=0),
                name="dispute_refund_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CLOSED_STATE_VALUES) | Q(deadline_at__isnull=False),
                name="open_dispute_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=CLOSED_STATE_VALUES) | (Q(deadline_at__isnull=True) & ~Q(outcome="")),
                name="closed_dispute_has_outcome_and_no_deadline",
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline_at"],
                name="dispute_enforced_deadline_idx",
                condition=Q(state__in=ENFORCED_STATE_VALUES),
            ),
            models.Index(
                fields=["next_reminder_at"],
                name="dispute_reminder_idx",
                condition=Q(next_reminder_at__isnull=False),
            ),
            models.Index(fields=["buyer", "state", "deadline_at"], name="dispute_buyer_inbox_idx"),
            models.Index(fields=["store", "state", "deadline_at"], name="dispute_store_inbox_idx"),
            # The inboxes' default view, open disputes soonest deadline first, in index order.
            models.Index(
                fields=["buyer", "deadline_at", "id"],
                name="dispute_buyer_open_idx",
                condition=Q(state__in=OPEN_STATE_VALUES),
            ),
            models.Index(
                fields=["store", "deadline_at", "id"],
                name="dispute_store_open_idx",
                condition=Q(state__in=OPEN_STATE_VALUES),
            ),
            models.Index(fields=["state", "deadline_at", "escalated_at"], name="dispute_queue_idx"),
            # The cases in mediation now, as the statistics count them (by mediator, overdue) and
            # the queue's filters count and sort them, from this index alone (issue 17: at 1M
            # orders the count by reason read 2,200 pages of rows, 6 ms; 1 ms from here).
            models.Index(
                fields=["assigned_mediator", "deadline_at"],
                include=MEDIATION_QUEUE_COLUMNS,
                name="dispute_mediation_idx",
                condition=Q(state__in=MEDIATION_STATE_VALUES),
            ),
            # The inboxes' "Closed" view, most recently closed first, a keyset page at a time.
            models.Index(
                fields=["buyer", "-closed_at", "-id"],
                name="dispute_buyer_closed_idx",
                condition=Q(state__in=CLOSED_STATE_VALUES),
            ),
            models.Index(
                fields=["store", "-closed_at", "-id"],
                name="dispute_store_closed_idx",
                condition=Q(state__in=CLOSED_STATE_VALUES),
            ),
            # The statistics' disputes per store opened in the window.
            models.Index(fields=["store", "opened_at"], name="dispute_store_opened_idx"),
            # The console's wider views (all open, all closed, all): soonest deadline first, the
            # newest first among those without one (``admin.selectors.queue_ordering``).
            # An ascending column keeps its nulls last in the index (PostgreSQL's default).
            models.Index(fields=["deadline_at", "-id"], name="dispute_deadline_order_idx"),
            # The console's "amount asked" filter, per currency.
            models.Index(fields=["currency", "requested_amount"], name="dispute_amount_idx"),
        ]

    def __str__(self) -> str:
        return f"D-{self.pk} ({self.order.number})" if self.pk else "new dispute"

    @property
    def reference(self) -> str:
        return f"D-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def in_mediation(self) -> bool:
        return self.state in self.MEDIATION_STATES

    def _close(self, *, at: datetime, outcome: str, refund: Decimal) -> None:
        self.outcome = outcome
        self.refund_amount = refund
        self.closed_at = at
        self.set_deadline(at=None)

    def _agree(self, *, amount: Decimal, with_return: bool, at: datetime) -> str:
        """Lock the terms and move on: to the return first, or straight to the refund."""
        self.agreed_amount = amount
        self.agreed_return = with_return
        return self._enter(self.State.AWAITING_RETURN if with_return else self.State.RESOLVED_BUYER, at)

    def _enter(self, target: str, at: datetime) -> str:
        if target == self.State.RESOLVED_BUYER:
            self._refund_agreed(at)
        else:
            self.start_clock(target, at)
        return target

    def _refund_agreed(self, at: datetime) -> None:
        full = self.agreed_amount >= self.max_refund
        self._close(
            at=at,
            outcome=self.Outcome.FULL_REFUND if full else self.Outcome.PARTIAL_REFUND,
            refund=self.agreed_amount,
        )

    def _seller_has_disagreed(self) -> bool:
        return self.seller_disagreed

    def _no_agreement(self) -> bool:
        # Agreed terms are locked: the buyer cannot walk away from an agreed return (seed 004).
        return self.agreed_amount is None

    def _return_address_known(self) -> bool:
        return bool(self.return_address.strip())

    # --- seller -----------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.AWAITING_SELLER,
        target=RETURN_VALUE(State.AWAITING_RETURN, State.RESOLVED_BUYER),
        permission=roles.is_dispute_seller,
        custom={"label": _("Accept the request"), "admin": False, "party": Party.SELLER},
    )
    def accept_request(self, *, at: datetime) -> str:
        self.seller_first_response_at = self.seller_first_response_at or at
        return self._agree(amount=self.requested_amount, with_return=self.requested_return, at=at)

    @transition(
        field=state,
        source=State.AWAITING_SELLER,
        target=State.AWAITING_BUYER,
        permission=roles.is_dispute_seller,
        custom={"label": _("Make a counter-offer"), "admin": False, "party": Party.SELLER},
    )
    def counter_offer(self, *, at: datetime) -> None:
        self.seller_first_response_at = self.seller_first_response_at or at
        self.seller_disagreed = True
        self.start_clock(self.State.AWAITING_BUYER, at)

    @transition(
        field=state,
        source=State.AWAITING_SELLER,
        target=State.AWAITING_BUYER,
        permission=roles.is_dispute_seller,
        custom={"label": _("Reject the request"), "admin": False, "party": Party.SELLER},
    )
    def reject_request(self, *, at: datetime) -> None:
        self.seller_first_response_at = self.seller_first_response_at or at
        self.seller_disagreed = True
        self.start_clock(self.State.AWAITING_BUYER, at)

    # --- buyer ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.AWAITING_BUYER,
        target=RETURN_VALUE(State.AWAITING_RETURN, State.RESOLVED_BUYER),
        permission=roles.is_dispute_buyer,
        custom={"label": _("Accept the offer"), "admin": False, "party": Party.BUYER},
    )
    def accept_offer(self, *, at: datetime, amount: Decimal, with_return: bool) -> str:
        return self._agree(amount=amount, with_return=with_return, at=at)

    @transition(
        field=state,
        source=State.AWAITING_BUYER,
        target=State.AWAITING_SELLER,
        permission=roles.is_dispute_buyer,
        custom={"label": _("Change my request"), "admin": False, "party": Party.BUYER},
    )
    def modify_request(self, *, at: datetime, amount: Decimal, with_return: bool) -> None:
        self.requested_amount = amount
        self.requested_return = with_return
        self.start_clock(self.State.AWAITING_SELLER, at)

    @transition(
        field=state,
        source=[State.AWAITING_SELLER, State.AWAITING_BUYER],
        target=State.IN_MEDIATION,
        conditions=[_seller_has_disagreed],
        permission=roles.is_dispute_party,
        custom={"label": _("Escalate to a mediator"), "admin": False, "party": "both"},
    )
    def escalate(self, *, at: datetime, by: str) -> None:
        self.escalated_at = at
        self.escalated_by = by
        self.start_clock(self.State.IN_MEDIATION, at)

    @transition(
        field=state,
        source=[State.AWAITING_SELLER, State.AWAITING_BUYER, State.IN_MEDIATION, State.EVIDENCE_REQUESTED],
        target=State.WITHDRAWN,
        conditions=[_no_agreement],
        permission=roles.is_dispute_buyer,
        custom={"label": _("Withdraw the dispute"), "admin": False, "party": Party.BUYER},
    )
    def withdraw(self, *, at: datetime) -> None:
        self._close(at=at, outcome=self.Outcome.WITHDRAWN, refund=Decimal("0.00"))

    # --- the return -------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.AWAITING_RETURN,
        target=State.RETURN_IN_TRANSIT,
        permission=roles.is_dispute_buyer,
        custom={"label": _("I have shipped the return"), "admin": False, "party": Party.BUYER},
    )
    def ship_return(self, *, at: datetime, carrier: str, tracking_number: str) -> None:
        self.return_carrier = carrier
        self.return_tracking_number = tracking_number
        self.return_shipped_at = at
        self.start_clock(self.State.RETURN_IN_TRANSIT, at)

    @transition(
        field=state,
        source=State.RETURN_IN_TRANSIT,
        target=State.RESOLVED_BUYER,
        permission=roles.is_dispute_seller,
        custom={"label": _("Confirm the return arrived"), "admin": False, "party": Party.SELLER},
    )
    def confirm_return_received(self, *, at: datetime) -> None:
        self.return_received_at = at
        self._refund_agreed(at)

    @transition(
        field=state,
        source=State.RETURN_IN_TRANSIT,
        target=State.IN_MEDIATION,
        permission=roles.is_dispute_seller,
        custom={"label": _("Report a problem with the return"), "admin": False, "party": Party.SELLER},
    )
    def report_return_problem(self, *, at: datetime) -> None:
        self.escalated_at = at
        self.escalated_by = Party.SELLER
        self.start_clock(self.State.IN_MEDIATION, at)

    # --- mediation --------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.IN_MEDIATION,
        target=State.EVIDENCE_REQUESTED,
        permission=roles.is_evidence_requester,
        custom={"label": _("Request evidence"), "admin": False, "party": Party.MEDIATOR},
    )
    def request_evidence(self, *, at: datetime, party: str, note: str, due_at: datetime) -> None:
        self.evidence_requested_from = party
        self.evidence_request_note = note
        self.set_deadline(at=due_at, party=party, kind=self.DeadlineKind.BACK_TO_MEDIATOR)

    @transition(
        field=state,
        source=State.EVIDENCE_REQUESTED,
        target=State.IN_MEDIATION,
        permission=roles.is_asked_for_evidence,
        custom={"label": _("Send the requested evidence"), "admin": False, "party": "requested"},
    )
    def provide_evidence(self, *, at: datetime) -> None:
        self._back_to_mediator(at)

    def _back_to_mediator(self, at: datetime) -> None:
        self.evidence_requested_from = ""
        self.start_clock(self.State.IN_MEDIATION, at)

    @transition(
        field=state,
        source=[State.IN_MEDIATION, State.EVIDENCE_REQUESTED],
        target=RETURN_VALUE(State.RESOLVED_BUYER, State.RESOLVED_SELLER, State.AWAITING_RETURN),
        permission=roles.is_decider,
        custom={"label": _("Decide"), "admin": False, "party": Party.MEDIATOR},
    )
    def decide(self, *, at: datetime, by, amount: Decimal, with_return: bool, note: str) -> str:
        self.decided_by = by
        self.decision_note = note
        self.evidence_requested_from = ""
        if amount <= 0:
            self._close(at=at, outcome=self.Outcome.NO_REFUND, refund=Decimal("0.00"))
            return self.State.RESOLVED_SELLER
        return self._agree(amount=amount, with_return=with_return, at=at)

    # --- the clock --------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.AWAITING_SELLER,
        target=RETURN_VALUE(State.AWAITING_RETURN, State.RESOLVED_BUYER),
        custom={"admin": False, "automatic": True},
    )
    def expire_seller_response(self, *, at: datetime) -> str:
        # The buyer's request is granted as asked; with no return address, without a return.
        with_return = self.requested_return and self._return_address_known()
        return self._agree(amount=self.requested_amount, with_return=with_return, at=at)

    @transition(
        field=state,
        source=State.AWAITING_BUYER,
        target=State.WITHDRAWN,
        custom={"admin": False, "automatic": True},
    )
    def expire_buyer_response(self, *, at: datetime) -> None:
        self._close(at=at, outcome=self.Outcome.WITHDRAWN, refund=Decimal("0.00"))

    @transition(
        field=state,
        source=State.AWAITING_RETURN,
        target=State.RESOLVED_SELLER,
        custom={"admin": False, "automatic": True},
    )
    def expire_return_shipment(self, *, at: datetime) -> None:
        self._close(at=at, outcome=self.Outcome.NO_REFUND, refund=Decimal("0.00"))

    @transition(
        field=state,
        source=State.RETURN_IN_TRANSIT,
        target=State.RESOLVED_BUYER,
        custom={"admin": False, "automatic": True},
    )
    def expire_return_confirmation(self, *, at: datetime) -> None:
        self._refund_agreed(at)

    @transition(
        field=state,
        source=State.EVIDENCE_REQUESTED,
        target=State.IN_MEDIATION,
        custom={"admin": False, "automatic": True},
    )
    def expire_evidence_request(self, *, at: datetime) -> None:
        self._back_to_mediator(at)
