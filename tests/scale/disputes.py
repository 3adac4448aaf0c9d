"""One dispute's life, simulated in memory by driving the real ``Dispute`` transitions.

The buyer, the seller and a mediator each take their next step after a random delay; when a
step would come after the deadline, the clock applies the deadline instead, exactly as
``disputes.services.clock`` does. Deadlines, reminders, outcomes and locked terms therefore
come from the model's own ``start_clock``/``set_deadline``/``schedule_next_reminder``, and
proposals, events and refunds follow what each service writes.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from disputes import policy
from disputes.models import Dispute, DisputeEvent, Party, Proposal
from disputes.services.clock import AUTOMATIC_OUTCOMES
from orders.models import Carrier, Refund
from portal.accounts.models import User
from tests.scale.orders import SWEEP_LAG, OrderLife, carrier_label

S = Dispute.State
E = DisputeEvent.Type
PK = Proposal.Kind
RES = Proposal.Resolution
DAY = 86_400
CENT = Decimal("0.01")

NOTES = {
    "counter": "We can offer part of the price back; the item works as described.",
    "reject": "Tracking shows the parcel was delivered and signed for.",
    "modify": "I would accept a partial refund instead.",
    "escalate": "We cannot agree; please decide.",
    "problem": "The returned parcel arrived empty.",
    "evidence": "Please send a photo of the item and of the parcel label.",
    "provide": "Photos attached, as asked.",
    "decide": "Decided on the photos and the tracking history both sides provided.",
}


@cache
def reason_label(reason: str) -> str:
    return str(Dispute.Reason(reason).label)


@dataclass(frozen=True)
class SampleFile:
    """The one real photo (and its copies) every seeded evidence row points at."""

    original: str
    display: str
    thumbnail: str
    size: int
    sha256: str
    width: int
    height: int


@dataclass
class DisputeLife:
    dispute: Dispute
    order: OrderLife
    rng: random.Random
    ids: object
    now: datetime
    mediators: list[int]
    store_return_address: str
    sample: SampleFile
    #: (type, actor_id, party, from_state, to_state, note, data, created_at)
    events: list[tuple] = field(default_factory=list)
    #: [id, party, author_id, kind, amount, with_return, note, resolution, created_at]
    proposals: list[list] = field(default_factory=list)
    evidence: list[tuple] = field(default_factory=list)
    #: The order's line items, and the (line item id, quantity) pairs the dispute is about.
    items: list = field(default_factory=list)
    disputed: list = field(default_factory=list)
    #: (buyer_id, closed_at, buyer_won) when the dispute changed the buyer's standing.
    standing: tuple | None = None
    clock: datetime | None = None
    _plan: tuple | None = None
    _asked_evidence: bool = False
    _modified: bool = False

    # --- helpers ---------------------------------------------------------------------------------
    @property
    def buyer_id(self) -> int:
        return self.order.buyer_id

    @property
    def seller_id(self) -> int:
        return self.order.seller_id

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(seconds=self.rng.uniform(low, high) * DAY)

    def event(self, type, at, *, actor_id=None, party="", from_state="", note="", data=None) -> None:
        to_state = self.dispute.state if from_state else ""
        self.events.append((type, actor_id, party, from_state, to_state, note, data or {}, at))

    def propose(self, *, party, author_id, kind, amount, with_return, note, at) -> list:
        for proposal in self.proposals:
            if proposal[7] == RES.OPEN:
                proposal[7] = RES.SUPERSEDED
        proposal = [self.ids.proposal.take(), party, author_id, kind, amount, with_return, note, RES.OPEN, at]
        self.proposals.append(proposal)
        return proposal

    def accept_latest(self) -> None:
        for proposal in self.proposals:
            if proposal[7] == RES.OPEN:
                proposal[7] = RES.ACCEPTED

    def attach(self, *, user_id: int, party: str, count: int, at: datetime, note: str = "") -> None:
        if not count:
            return
        rows = []
        for n in range(count):
            evidence_id = self.ids.evidence.take()
            name = f"{party}-photo-{len(self.evidence) + n + 1}.jpg"
            self.evidence.append((evidence_id, self.ids.uuid(), user_id, party, name, at))
            rows.append({"id": evidence_id, "name": name, "sha256": self.sample.sha256})
        self.event(E.EVIDENCE_ADDED, at, actor_id=user_id, party=party, note=note, data={"files": rows})

    def lock_in_return_address(self) -> None:
        if not self.dispute.return_address.strip():
            self.dispute.return_address = self.store_return_address

    def amount_below(self, ceiling: Decimal, low: float, high: float) -> Decimal:
        amount = (ceiling * Decimal(str(round(self.rng.uniform(low, high), 2)))).quantize(CENT)
        return min(max(amount, CENT), ceiling)

    # --- opening ---------------------------------------------------------------------------------
    def open(self, at: datetime, *, evidence: int) -> None:
        """``open_dispute``: the request, the order on hold, the opening event and evidence."""
        d = self.dispute
        d.opened_at = at
        d.start_clock(S.AWAITING_SELLER, at)
        self.clock = at
        self.propose(
            party=Party.BUYER,
            author_id=self.buyer_id,
            kind=PK.REQUEST,
            amount=d.requested_amount,
            with_return=d.requested_return,
            note=d.description,
            at=at,
        )
        self.order.hold(at)
        self.event(
            E.OPENED,
            at,
            actor_id=self.buyer_id,
            party=Party.BUYER,
            from_state="new",
            note=reason_label(d.reason),
            data={"amount": str(d.requested_amount), "with_return": d.requested_return},
        )
        self.attach(user_id=self.buyer_id, party=Party.BUYER, count=evidence, at=at)

    # --- the story -------------------------------------------------------------------------------
    def play(self) -> None:
        """Let the parties and the clock act until the dispute closes or the seed's ``now``."""
        d = self.dispute
        while d.state in Dispute.OPEN_STATES:
            at, move = self.next_move()
            if d.state in Dispute.ENFORCED_STATES and (at is None or at >= d.deadline_at):
                if d.deadline_at > self.now:
                    self.send_reminders(until=None)
                    return
                self.send_reminders(until=d.deadline_at)
                self.expire(min(d.deadline_at + SWEEP_LAG, self.now))
                continue
            if at is None or at > self.now:
                self.send_reminders(until=None)
                return
            self.send_reminders(until=at)
            move(at)

    def next_move(self):
        """The planned next step in the current state (planned once per state entered)."""
        d = self.dispute
        key = (d.state, self.clock)
        if self._plan is None or self._plan[0] != key:
            self._plan = (key, *self.plan_move())
        _key, at, move = self._plan
        if d.state == S.IN_MEDIATION and d.assigned_mediator_id is None:
            assign_at = self.clock + self.days(0.02, 1.5)
            if at is None or assign_at < at:
                return assign_at, self.assign
        return at, move

    def plan_move(self):
        d, r = self.dispute, self.rng.random()
        start = self.clock
        if d.state == S.AWAITING_SELLER:
            at = start + self.days(0.05, 17)
            move = self.accept_request if r < 0.3 else self.counter_offer if r < 0.65 else self.reject_request
            return at, move
        if d.state == S.AWAITING_BUYER:
            at = start + self.days(0.05, 8.5)
            offer = self.open_counter_offer()
            if offer is not None and r < 0.4:
                return at, self.accept_offer
            if r < 0.8:
                return at, self.escalate
            if r < 0.9 and not self._modified:
                return at, self.modify_request
            return at, self.withdraw
        if d.state == S.AWAITING_RETURN:
            return start + self.days(0.3, 11.5), self.ship_return
        if d.state == S.RETURN_IN_TRANSIT:
            return start + self.days(2, 34), self.report_return_problem if r < 0.07 else self.confirm_return
        if d.state == S.IN_MEDIATION:
            at = start + self.days(0.5, 9)
            if not self._asked_evidence and r < 0.25:
                return at, self.request_evidence
            return at, self.decide
        if d.state == S.EVIDENCE_REQUESTED:
            return start + self.days(0.2, 6.5), self.provide_evidence
        raise AssertionError(d.state)

    def moved(self, at: datetime) -> None:
        self.clock = at

    def finish_if_closed(self, at: datetime) -> None:
        """``finish_if_closed``: refund, buyer standing, and the order back to its clock."""
        d = self.dispute
        if d.is_open:
            return
        if d.refund_amount:
            self.order.issue_refund(
                self.ids, amount=d.refund_amount, reason=Refund.Reason.DISPUTE, at=at, dispute_id=d.id
            )
        if d.state != S.WITHDRAWN:
            self.standing = (self.buyer_id, at, d.state == S.RESOLVED_BUYER)
        self.order.release(at, finished=d.state != S.WITHDRAWN)

    # --- reminders and the clock -------------------------------------------------------------------
    def send_reminders(self, *, until: datetime | None) -> None:
        """``send_due_reminder`` at each reminder due before ``until`` (or by ``now``)."""
        d = self.dispute
        steps = policy.REMINDERS_BEFORE
        while d.next_reminder_at is not None and d.next_reminder_at <= self.now:
            if until is not None and d.next_reminder_at >= until:
                return
            swept = min(d.next_reminder_at + SWEEP_LAG, self.now)
            due = [i for i in range(d.reminders_sent, len(steps)) if d.deadline_at - steps[i] <= swept]
            if not due or d.deadline_at <= swept:
                d.reminders_sent = len(steps)
                d.schedule_next_reminder()
                continue
            step = due[-1]
            d.reminders_sent = step + 1
            d.schedule_next_reminder()
            self.event(
                E.REMINDER_SENT,
                swept,
                party=d.deadline_party,
                data={
                    "hours_left": int((d.deadline_at - swept).total_seconds() // 3600),
                    "deadline": d.deadline_at.isoformat(),
                },
            )

    def expire(self, at: datetime) -> None:
        """``apply_dispute_deadline``."""
        d = self.dispute
        transition_name, rule = AUTOMATIC_OUTCOMES[d.deadline_kind]
        deadline, from_state = d.deadline_at, d.state
        if d.deadline_kind == Dispute.DeadlineKind.GRANT_REQUEST and d.requested_return:
            d.return_address = d.return_address or self.store_return_address
        getattr(d, transition_name)(at=at)
        self.moved(at)
        if d.agreed_amount is not None and from_state == S.AWAITING_SELLER:
            self.accept_latest()
        elif not d.is_open:
            for proposal in self.proposals:
                if proposal[7] == RES.OPEN:
                    proposal[7] = RES.SUPERSEDED
        self.finish_if_closed(at)
        self.event(
            E.AUTO_RESOLVED, at, from_state=from_state, data={"rule": rule, "deadline": deadline.isoformat()}
        )

    # --- the seller ------------------------------------------------------------------------------------
    def accept_request(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        if d.requested_return:
            self.lock_in_return_address()
        d.accept_request(at=at)
        self.moved(at)
        self.accept_latest()
        self.finish_if_closed(at)
        self.event(
            E.ACCEPTED,
            at,
            actor_id=self.seller_id,
            party=Party.SELLER,
            from_state=from_state,
            data={"amount": str(d.agreed_amount), "with_return": d.agreed_return},
        )

    def counter_offer(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        amount = self.amount_below(d.max_refund, 0.3, 0.8)
        with_return = d.reason == Dispute.Reason.CHANGED_MIND or self.rng.random() < 0.3
        if with_return:
            self.lock_in_return_address()
        d.counter_offer(at=at)
        self.moved(at)
        proposal = self.propose(
            party=Party.SELLER,
            author_id=self.seller_id,
            kind=PK.COUNTER_OFFER,
            amount=amount,
            with_return=with_return,
            note=NOTES["counter"],
            at=at,
        )
        self.event(
            E.COUNTER_OFFERED,
            at,
            actor_id=self.seller_id,
            party=Party.SELLER,
            from_state=from_state,
            note=NOTES["counter"],
            data={"amount": str(amount), "with_return": with_return, "proposal": proposal[0]},
        )
        self.attach(user_id=self.seller_id, party=Party.SELLER, count=int(self.rng.random() < 0.3), at=at)

    def reject_request(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        d.reject_request(at=at)
        self.moved(at)
        self.propose(
            party=Party.SELLER,
            author_id=self.seller_id,
            kind=PK.REJECTION,
            amount=Decimal("0.00"),
            with_return=False,
            note=NOTES["reject"],
            at=at,
        )
        self.event(
            E.REJECTED,
            at,
            actor_id=self.seller_id,
            party=Party.SELLER,
            from_state=from_state,
            note=NOTES["reject"],
        )
        self.attach(user_id=self.seller_id, party=Party.SELLER, count=int(self.rng.random() < 0.4), at=at)

    def confirm_return(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        d.confirm_return_received(at=at)
        self.moved(at)
        self.finish_if_closed(at)
        self.event(E.RETURN_RECEIVED, at, actor_id=self.seller_id, party=Party.SELLER, from_state=from_state)

    def report_return_problem(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        d.report_return_problem(at=at)
        self.moved(at)
        self.event(
            E.RETURN_PROBLEM,
            at,
            actor_id=self.seller_id,
            party=Party.SELLER,
            from_state=from_state,
            note=NOTES["problem"],
        )
        self.attach(user_id=self.seller_id, party=Party.SELLER, count=1, at=at)

    # --- the buyer -------------------------------------------------------------------------------------
    def open_counter_offer(self) -> list | None:
        offers = [p for p in self.proposals if p[3] == PK.COUNTER_OFFER and p[7] == RES.OPEN]
        return offers[-1] if offers else None

    def accept_offer(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        offer = self.open_counter_offer()
        d.accept_offer(at=at, amount=offer[4], with_return=offer[5])
        self.moved(at)
        self.accept_latest()
        self.finish_if_closed(at)
        self.event(
            E.OFFER_ACCEPTED,
            at,
            actor_id=self.buyer_id,
            party=Party.BUYER,
            from_state=from_state,
            data={"amount": str(d.agreed_amount), "with_return": d.agreed_return},
        )

    def modify_request(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        self._modified = True
        amount = self.amount_below(d.max_refund, 0.5, 0.9)
        with_return = d.reason == Dispute.Reason.CHANGED_MIND or d.requested_return
        d.modify_request(at=at, amount=amount, with_return=with_return)
        self.moved(at)
        self.propose(
            party=Party.BUYER,
            author_id=self.buyer_id,
            kind=PK.MODIFICATION,
            amount=amount,
            with_return=with_return,
            note=NOTES["modify"],
            at=at,
        )
        self.event(
            E.MODIFIED,
            at,
            actor_id=self.buyer_id,
            party=Party.BUYER,
            from_state=from_state,
            note=NOTES["modify"],
            data={"amount": str(d.requested_amount), "with_return": d.requested_return},
        )

    def escalate(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        d.escalate(at=at, by=Party.BUYER)
        self.moved(at)
        self.event(
            E.ESCALATED,
            at,
            actor_id=self.buyer_id,
            party=Party.BUYER,
            from_state=from_state,
            note=NOTES["escalate"],
        )

    def withdraw(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        d.withdraw(at=at)
        self.moved(at)
        for proposal in self.proposals:
            if proposal[7] == RES.OPEN:
                proposal[7] = RES.SUPERSEDED
        self.finish_if_closed(at)
        self.event(E.WITHDRAWN, at, actor_id=self.buyer_id, party=Party.BUYER, from_state=from_state)

    def ship_return(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        carrier = self.rng.choice((Carrier.CHINA_POST, Carrier.DHL, Carrier.OTHER_POST))
        tracking = f"RR{self.rng.randrange(10**8, 10**9)}GB"
        d.ship_return(at=at, carrier=carrier, tracking_number=tracking)
        self.moved(at)
        self.event(
            E.RETURN_SHIPPED,
            at,
            actor_id=self.buyer_id,
            party=Party.BUYER,
            from_state=from_state,
            note=f"{carrier_label(carrier)} {tracking}",
            data={"carrier": carrier, "tracking_number": tracking},
        )

    def provide_evidence(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        party = d.evidence_requested_from
        user_id = self.buyer_id if party == Party.BUYER else self.seller_id
        self.attach(
            user_id=user_id, party=party, count=int(self.rng.random() < 0.7), at=at, note=NOTES["provide"]
        )
        d.provide_evidence(at=at)
        self.moved(at)
        self.event(
            E.EVIDENCE_PROVIDED,
            at,
            actor_id=user_id,
            party=party,
            from_state=from_state,
            note=NOTES["provide"],
        )

    # --- the mediator ----------------------------------------------------------------------------------
    def mediator(self) -> int:
        return self.dispute.assigned_mediator_id or self.rng.choice(self.mediators)

    def assign(self, at: datetime) -> None:
        mediator = self.rng.choice(self.mediators)
        self.dispute.assigned_mediator_id = mediator
        self.event(E.ASSIGNED, at, actor_id=mediator, party=Party.MEDIATOR)

    def request_evidence(self, at: datetime) -> None:
        d, from_state = self.dispute, self.dispute.state
        self._asked_evidence = True
        party = self.rng.choice((Party.BUYER, Party.SELLER))
        d.request_evidence(
            at=at, party=party, note=NOTES["evidence"], due_at=at + policy.EVIDENCE_RESPONSE_WINDOW
        )
        self.moved(at)
        self.event(
            E.EVIDENCE_REQUESTED,
            at,
            actor_id=self.mediator(),
            party=Party.MEDIATOR,
            from_state=from_state,
            note=d.evidence_request_note,
            data={"from": d.deadline_party, "due_at": d.deadline_at.isoformat()},
        )

    def decide(self, at: datetime) -> None:
        d, from_state, r = self.dispute, self.dispute.state, self.rng.random()
        mediator = self.mediator()
        ceiling = d.max_refund
        with_return = 0.55 <= r < 0.65
        if r < 0.35:
            refund = ceiling
        elif r < 0.65:
            refund = self.amount_below(ceiling, 0.3, 0.9)
        else:
            refund = Decimal("0.00")
        if with_return:
            self.lock_in_return_address()
        d.decide(at=at, by=User(pk=mediator), amount=refund, with_return=with_return, note=NOTES["decide"])
        self.moved(at)
        self.propose(
            party=Party.MEDIATOR,
            author_id=mediator,
            kind=PK.DECISION,
            amount=refund,
            with_return=with_return,
            note=NOTES["decide"],
            at=at,
        )
        self.proposals[-1][7] = RES.ACCEPTED
        self.finish_if_closed(at)
        self.event(
            E.DECIDED,
            at,
            actor_id=mediator,
            party=Party.MEDIATOR,
            from_state=from_state,
            note=NOTES["decide"],
            data={
                "amount": str(d.agreed_amount or 0),
                "with_return": bool(d.agreed_return),
                "outcome": d.outcome,
            },
        )
