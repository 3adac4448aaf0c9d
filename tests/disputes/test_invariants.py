"""Random sequences of everything buyers, sellers, mediators and the clock can do to a dispute
keep its invariants: one open dispute per order, refunds never above what was paid, one outcome
and no deadline once closed, one deadline while open, and one event per transition."""

import itertools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes import services
from disputes.models import Dispute, Party
from orders.models import Carrier, Order, Refund
from portal import deadlines
from tests.factories import OrderFactory, open_dispute_for, ship

pytestmark = pytest.mark.django_db

S = Dispute.State
D = services.Decision

AMOUNTS = [
    None,
    Decimal("0.00"),
    Decimal("0.01"),
    Decimal("10.00"),
    Decimal("30.00"),
    Decimal("60.00"),
    Decimal("60.01"),
]
WAITS = {
    "wait_hour": timedelta(hours=1),
    "wait_day": timedelta(days=1),
    "wait_3_days": timedelta(days=3),
    "wait_8_days": timedelta(days=8),
    "wait_16_days": timedelta(days=16),
    "wait_31_days": timedelta(days=31),
}
#: Actions that drive one FSM transition when they succeed.
TRANSITIONS = {
    "open": lambda w, d, amount: open_dispute_for(
        w.order, at=w.clock, amount=amount, with_return=w.with_return, description="Where is it?"
    ),
    "seller_accepts": lambda w, d, amount: services.accept_request(dispute=d, seller=w.seller, now=w.clock),
    "seller_counters": lambda w, d, amount: services.counter_offer(
        dispute=d,
        seller=w.seller,
        amount=amount or Decimal("25.00"),
        with_return=False,
        note="",
        evidence=[],
        now=w.clock,
    ),
    "seller_counters_with_return": lambda w, d, amount: services.counter_offer(
        dispute=d,
        seller=w.seller,
        amount=amount or Decimal("25.00"),
        with_return=True,
        note="",
        evidence=[],
        now=w.clock,
    ),
    "seller_rejects": lambda w, d, amount: services.reject_request(
        dispute=d, seller=w.seller, note="Delivered" if amount else "", evidence=[], now=w.clock
    ),
    "buyer_accepts_offer": lambda w, d, amount: services.accept_offer(dispute=d, buyer=w.buyer, now=w.clock),
    "buyer_modifies": lambda w, d, amount: services.modify_request(
        dispute=d,
        buyer=w.buyer,
        amount=amount or Decimal("45.00"),
        with_return=w.with_return,
        note="",
        now=w.clock,
    ),
    "buyer_escalates": lambda w, d, amount: services.escalate_dispute(
        dispute=d, user=w.buyer, note="", now=w.clock
    ),
    "seller_escalates": lambda w, d, amount: services.escalate_dispute(
        dispute=d, user=w.seller, note="", now=w.clock
    ),
    "buyer_withdraws": lambda w, d, amount: services.withdraw_dispute(dispute=d, buyer=w.buyer, now=w.clock),
    "stranger_withdraws": lambda w, d, amount: services.withdraw_dispute(
        dispute=d, buyer=w.stranger, now=w.clock
    ),
    "seller_withdraws": lambda w, d, amount: services.withdraw_dispute(
        dispute=d, buyer=w.seller, now=w.clock
    ),
    "buyer_ships_return": lambda w, d, amount: services.ship_return(
        dispute=d, buyer=w.buyer, carrier=Carrier.DHL, tracking_number="JD014600003828", now=w.clock
    ),
    "seller_confirms_return": lambda w, d, amount: services.confirm_return_received(
        dispute=d, seller=w.seller, now=w.clock
    ),
    "seller_reports_problem": lambda w, d, amount: services.report_return_problem(
        dispute=d, seller=w.seller, note="Broken", evidence=[], now=w.clock
    ),
    "mediator_asks_buyer": lambda w, d, amount: services.request_evidence(
        dispute=d,
        mediator=w.mediator,
        party=Party.BUYER,
        note="Photo",
        due_at=w.clock + timedelta(days=5),
        now=w.clock,
    ),
    "mediator_asks_seller": lambda w, d, amount: services.request_evidence(
        dispute=d,
        mediator=w.mediator,
        party=Party.SELLER,
        note="POD",
        due_at=w.clock + timedelta(days=5),
        now=w.clock,
    ),
    "buyer_provides_evidence": lambda w, d, amount: services.provide_evidence(
        dispute=d, user=w.buyer, note="Here", files=[], now=w.clock
    ),
    "seller_provides_evidence": lambda w, d, amount: services.provide_evidence(
        dispute=d, user=w.seller, note="Here", files=[], now=w.clock
    ),
    "mediator_decides_full": lambda w, d, amount: services.decide_dispute(
        dispute=d, mediator=w.mediator, decision=D.FULL_REFUND, amount=None, note="Clear", now=w.clock
    ),
    "mediator_decides_partial": lambda w, d, amount: services.decide_dispute(
        dispute=d, mediator=w.mediator, decision=D.PARTIAL_REFUND, amount=amount, note="Half", now=w.clock
    ),
    "mediator_decides_return": lambda w, d, amount: services.decide_dispute(
        dispute=d,
        mediator=w.mediator,
        decision=D.REFUND_AFTER_RETURN,
        amount=amount,
        note="Return",
        now=w.clock,
    ),
    "mediator_rejects": lambda w, d, amount: services.decide_dispute(
        dispute=d, mediator=w.mediator, decision=D.REJECT, amount=None, note="No case", now=w.clock
    ),
}
#: Actions that change a dispute without a transition.
OTHER_ACTIONS = {
    "buyer_extends": lambda w, d, amount: services.extend_deadline(
        dispute=d, user=w.buyer, days=3, now=w.clock
    ),
    "seller_extends": lambda w, d, amount: services.extend_deadline(
        dispute=d, user=w.seller, days=15, now=w.clock
    ),
    "seller_messages_mediator": lambda w, d, amount: services.post_mediator_message(
        dispute=d, mediator=w.seller, text="Decide for me", now=w.clock
    ),
}
ACTIONS = sorted([*TRANSITIONS, *OTHER_ACTIONS, *WAITS, "sweep"])
CLOCK = [*WAITS, "sweep"]
#: What someone would plausibly try in each state; random draws still try anything now and then.
LIKELY = {
    None: ["open", *CLOCK],
    S.AWAITING_SELLER: [
        "seller_accepts",
        "seller_counters",
        "seller_counters_with_return",
        "seller_rejects",
        "buyer_withdraws",
        "buyer_extends",
        "buyer_escalates",
        "seller_escalates",
        *CLOCK,
    ],
    S.AWAITING_BUYER: [
        "buyer_accepts_offer",
        "buyer_modifies",
        "buyer_escalates",
        "seller_escalates",
        "buyer_withdraws",
        "seller_extends",
        *CLOCK,
    ],
    S.AWAITING_RETURN: ["buyer_ships_return", "seller_extends", "buyer_withdraws", *CLOCK],
    S.RETURN_IN_TRANSIT: ["seller_confirms_return", "seller_reports_problem", "buyer_extends", *CLOCK],
    S.IN_MEDIATION: [
        "mediator_asks_buyer",
        "mediator_asks_seller",
        "mediator_decides_full",
        "mediator_decides_partial",
        "mediator_decides_return",
        "mediator_rejects",
        "buyer_withdraws",
        *CLOCK,
    ],
    S.EVIDENCE_REQUESTED: [
        "buyer_provides_evidence",
        "seller_provides_evidence",
        "mediator_decides_partial",
        "mediator_rejects",
        "buyer_withdraws",
        *CLOCK,
    ],
}


@dataclass
class World:
    order: Order
    buyer: object
    seller: object
    stranger: object
    mediator: object
    with_return: bool
    clock: datetime
    transitions: int = 0
    log: list = field(default_factory=list)

    def disputes(self) -> list[Dispute]:
        return list(Dispute.objects.filter(order=self.order).order_by("id"))

    def latest(self) -> Dispute | None:
        return Dispute.objects.filter(order=self.order).order_by("-id").first()


def snapshot(world: World) -> tuple:
    """Everything a refused action must leave as it was."""
    order = Order.objects.get(pk=world.order.pk)
    return (
        [
            (
                d.pk,
                d.state,
                d.deadline_at,
                d.deadline_extended,
                d.requested_amount,
                d.agreed_amount,
                d.refund_amount,
            )
            for d in world.disputes()
        ],
        list(Refund.objects.filter(order=order).order_by("pk").values_list("pk", "amount", "status")),
        [d.events.count() + d.proposals.count() + d.evidence.count() for d in world.disputes()],
        (order.state, order.on_hold, order.deadline_at),
    )


def check_invariants(world: World) -> None:
    order = Order.objects.get(pk=world.order.pk)
    disputes = world.disputes()
    open_disputes = [d for d in disputes if d.is_open]
    assert len(open_disputes) <= 1, "at most one open dispute per order"
    assert order.on_hold == bool(open_disputes), "an open dispute, and only one, holds the order's clock"

    refunds = Refund.objects.filter(order=order)
    assert all(r.amount > 0 for r in refunds), "refunds are never zero or negative"
    paid_out = refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount"))["total"] or 0
    assert paid_out <= order.total_paid, "refunds never exceed what was paid"

    outcomes = {
        S.RESOLVED_BUYER: {Dispute.Outcome.FULL_REFUND, Dispute.Outcome.PARTIAL_REFUND},
        S.RESOLVED_SELLER: {Dispute.Outcome.NO_REFUND},
        S.WITHDRAWN: {Dispute.Outcome.WITHDRAWN},
    }
    for dispute in disputes:
        refunds_of_dispute = list(dispute.refunds.values_list("amount", flat=True))
        if dispute.is_open:
            assert dispute.deadline_at is not None and dispute.deadline_party and dispute.deadline_kind
            assert dispute.outcome == "" and dispute.refund_amount is None and refunds_of_dispute == []
        else:
            assert dispute.outcome in outcomes[dispute.state], "exactly one outcome, matching the state"
            assert dispute.deadline_at is None and dispute.next_reminder_at is None and dispute.closed_at
            assert dispute.refund_amount is not None and dispute.refund_amount >= 0
            expected = [dispute.refund_amount] if dispute.refund_amount > 0 else []
            assert refunds_of_dispute == expected, "a closed dispute refunds exactly what it decided, once"
            assert dispute.refund_amount <= dispute.max_refund
        chain = list(dispute.events.exclude(to_state="").order_by("id").values_list("from_state", "to_state"))
        assert chain[0][0] == "new" and chain[-1][1] == dispute.state
        assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(chain))
        assert all(frm != to for frm, to in chain)

    written = sum(d.events.exclude(to_state="").count() for d in disputes)
    assert written == world.transitions, "each transition wrote exactly one event"


def step(world: World, name: str, amount: Decimal | None, capture) -> None:
    if name in WAITS:
        world.clock += WAITS[name]
        return
    if name == "sweep":
        before = {d.pk: d.state for d in world.disputes()}
        with capture(execute=True):
            deadlines.enforce_all(now=world.clock)
        after = {d.pk: d.state for d in world.disputes()}
        world.transitions += sum(1 for pk, state in after.items() if before.get(pk) != state)
        # Running the sweep again at the same moment finds nothing left to do.
        with capture(execute=True):
            assert deadlines.enforce_all(now=world.clock).get("disputes") == 0
        return
    dispute = world.latest()
    if dispute is None and name != "open":
        return
    action = TRANSITIONS.get(name) or OTHER_ACTIONS[name]
    before = snapshot(world)
    states = {d.pk: d.state for d in world.disputes()}
    due_first = dispute is not None and dispute.deadline_due(world.clock)
    try:
        with capture(execute=True):
            action(world, dispute, amount)
    except services.DisputeError as refusal:
        if refusal.__cause__ is None:
            world.log.append(f"{name} refused")
            assert snapshot(world) == before, f"refused {name} stored something"
            return
        # A late action first applies the due deadline, exactly as the sweep would, then is
        # refused naming it.
        world.log.append(f"{name} too late")
        after = {d.pk: d.state for d in world.disputes()}
        changed = sum(1 for pk, state in after.items() if states.get(pk) != state)
        assert snapshot(world) != before, f"late {name} applied no deadline"
        world.transitions += changed
        with capture(execute=True):
            assert deadlines.enforce_all(now=world.clock).get("disputes") == 0
        return
    world.log.append(name)
    if name in TRANSITIONS:
        world.transitions += 1
    # An action taken after its dispute's deadline first applies it, as the sweep would have.
    world.transitions += int(due_first)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    with_return=st.booleans(),
    store_has_address=st.booleans(),
    first_amount=st.sampled_from([None, Decimal("20.00"), Decimal("60.00")]),
    length=st.integers(min_value=1, max_value=20),
    data=st.data(),
)
def test_random_action_sequences_keep_the_invariants(
    buyer,
    store,
    other_buyer,
    mediator,
    now,
    django_capture_on_commit_callbacks,
    caplog,
    with_return,
    store_has_address,
    first_amount,
    length,
    data,
):
    caplog.clear()
    with transaction.atomic():
        if not store_has_address:
            store.return_address = ""
            store.save()
        order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + timedelta(days=1))
        world = World(
            order=order,
            buyer=buyer,
            seller=store.owner,
            stranger=other_buyer,
            mediator=mediator,
            with_return=with_return,
            clock=now + timedelta(days=7),
        )
        step(world, "open", first_amount, django_capture_on_commit_callbacks)
        assert world.transitions == 1
        check_invariants(world)
        for _ in range(length):
            latest = world.latest()
            state = latest.state if latest is not None and latest.is_open else None
            choices = LIKELY[state] if data.draw(st.booleans(), label="likely") else ACTIONS
            name = data.draw(st.sampled_from(choices), label="action")
            amount = data.draw(st.sampled_from(AMOUNTS), label="amount")
            step(world, name, amount, django_capture_on_commit_callbacks)
            check_invariants(world)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, [r.getMessage() for r in errors]
        # Every example starts from the same empty world.
        transaction.set_rollback(True)
