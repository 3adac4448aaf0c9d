"""A deadline holds when anyone acts, not only when the sweep runs: with no sweep at all, the party
who acts one second too late finds the deadline applied (once, by the sweep's own code) and is
refused with the deadline and its outcome named; one second early, the action goes through."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import Dispute, DisputeEvent
from orders import services as order_services
from orders.models import Carrier, Order, Refund
from portal import deadlines
from tests.disputes.test_deadlines import SCENARIOS
from tests.factories import open_dispute_for, ship

pytestmark = pytest.mark.django_db

S = Dispute.State
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def _counter_offer(dispute: Dispute, at):
    return services.counter_offer(
        dispute=dispute,
        seller=dispute.store.owner,
        amount=Decimal("10.00"),
        with_return=False,
        note="Half?",
        evidence=[],
        now=at,
    )


def _modify_request(dispute: Dispute, at):
    return services.modify_request(
        dispute=dispute, buyer=dispute.buyer, amount=Decimal("30.00"), with_return=False, note="", now=at
    )


def _ship_return(dispute: Dispute, at):
    return services.ship_return(
        dispute=dispute, buyer=dispute.buyer, carrier=Carrier.UPS, tracking_number="1Z0001", now=at
    )


def _report_return_problem(dispute: Dispute, at):
    return services.report_return_problem(
        dispute=dispute, seller=dispute.store.owner, note="It came back broken", evidence=[], now=at
    )


def _provide_evidence(dispute: Dispute, at):
    return services.provide_evidence(
        dispute=dispute, user=dispute.store.owner, note="Proof of delivery attached", files=[], now=at
    )


#: Scenario -> (the acting party's own move, what the refusal names).
LATE_MOVES: dict[str, tuple[Callable, str]] = {
    "seller_silent": (_counter_offer, "the buyer's request was accepted as asked"),
    "buyer_silent": (_modify_request, "the dispute closed as withdrawn"),
    "return_not_shipped": (_ship_return, "the dispute closed in the seller's favour"),
    "return_not_confirmed": (_report_return_problem, "the refund of 60.00 USD is paid anyway"),
    "evidence_not_provided": (_provide_evidence, "the mediator decides on the evidence already provided"),
}


@pytest.fixture(params=LATE_MOVES.keys())
def case(request, order, now, mediator):
    """A dispute waiting on a deadline, the move its acting party can make, and the outcome."""
    scenario = SCENARIOS[request.param]
    shipped = ship(order, at=now + DAY)
    dispute = scenario.build(shipped, now + 8 * DAY, mediator)
    dispute.refresh_from_db()
    move, named = LATE_MOVES[request.param]
    return dispute, scenario, move, named


def auto_events(dispute: Dispute) -> list[DisputeEvent]:
    return list(dispute.events.filter(type=DisputeEvent.Type.AUTO_RESOLVED))


def test_a_move_one_second_before_the_deadline_is_taken(case):
    dispute, scenario, move, _named = case

    moved = move(dispute, dispute.deadline_at - SECOND)

    assert moved.state != scenario.outcome or scenario.outcome == S.IN_MEDIATION
    assert auto_events(moved) == []


@pytest.mark.parametrize("late", [timedelta(0), SECOND], ids=["at", "plus_1s"])
def test_a_late_move_applies_the_deadline_and_is_refused_naming_it(
    case, late, django_capture_on_commit_callbacks, mailoutbox
):
    dispute, scenario, move, named = case
    deadline, from_state = dispute.deadline_at, dispute.state

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.DeadlinePassed) as refusal:
        move(dispute, deadline + late)

    assert str(refusal.value).startswith("The deadline passed on ")
    assert named in str(refusal.value)
    dispute.refresh_from_db()
    assert dispute.state == scenario.outcome
    (event,) = auto_events(dispute)
    assert (event.actor, event.from_state, event.data["rule"]) == (None, from_state, scenario.rule)
    assert event.created_at == deadline + late
    assert dispute.refunds.count() == (1 if scenario.outcome == S.RESOLVED_BUYER else 0)
    told = {m.to[0] for m in mailoutbox if m.subject == f"Dispute {dispute.reference}: a deadline passed"}
    assert told == {dispute.buyer.email, dispute.store.owner.email}
    # The sweep that comes later finds nothing left to do.
    assert deadlines.enforce_all(now=deadline + late + DAY).get("disputes", 0) == 0
    assert len(auto_events(dispute)) == 1


def test_a_late_counter_offer_is_refused_and_the_buyer_refunded_without_any_sweep(order, now):
    dispute = SCENARIOS["seller_silent"].build(ship(order, at=now + DAY), now + 8 * DAY, None)
    late = dispute.deadline_at + timedelta(hours=5)

    with pytest.raises(services.DeadlinePassed, match="the buyer's request was accepted as asked"):
        _counter_offer(dispute, late)

    dispute.refresh_from_db()
    assert (dispute.state, dispute.refund_amount) == (S.RESOLVED_BUYER, Decimal("60.00"))
    assert not dispute.proposals.filter(kind="counter_offer").exists()
    refund = Refund.objects.get(dispute=dispute)
    assert refund.amount == Decimal("60.00")


def test_a_mediator_still_decides_after_an_unanswered_evidence_request(order, now, mediator):
    dispute = SCENARIOS["evidence_not_provided"].build(ship(order, at=now + DAY), now + 8 * DAY, mediator)
    late = dispute.deadline_at + DAY

    decided = services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=services.Decision.FULL_REFUND,
        amount=None,
        note="No proof of delivery arrived.",
        now=late,
    )

    assert decided.state == S.RESOLVED_BUYER
    (event,) = auto_events(decided)
    assert event.data["rule"] == "evidence_not_provided"


# --- the pages, before any sweep ------------------------------------------------------------------
def test_the_dispute_page_shows_the_due_outcome_and_offers_no_action(
    client, order, now, seller, time_machine
):
    dispute = SCENARIOS["seller_silent"].build(ship(order, at=now + DAY), now + 8 * DAY, None)
    time_machine.move_to(dispute.deadline_at + SECOND, tick=False)
    client.force_login(seller)

    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()

    assert 'data-testid="deadline-passed"' in page
    assert "The deadline passed on 24 Nov 2026, 12:00: the buyer&#x27;s request was accepted as asked" in page
    assert reverse("disputes:counter_offer", args=[dispute.pk]) not in page
    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_SELLER, "a page never changes state"


def test_a_late_post_is_refused_with_the_deadline_named_in_a_flash_message(
    client, order, now, seller, time_machine
):
    dispute = SCENARIOS["seller_silent"].build(ship(order, at=now + DAY), now + 8 * DAY, None)
    time_machine.move_to(dispute.deadline_at + 5 * timedelta(hours=1), tick=False)
    client.force_login(seller)

    response = client.post(
        reverse("disputes:counter_offer", args=[dispute.pk]),
        {"amount": "10.00", "with_return": "", "note": "Half?"},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("The deadline passed on 24 Nov 2026, 12:00") for m in messages)
    dispute.refresh_from_db()
    assert dispute.state == S.RESOLVED_BUYER


def test_the_order_page_shows_that_protection_ended_before_the_sweep(client, order, now, buyer, time_machine):
    shipped = ship(order, at=now + DAY)
    time_machine.move_to(shipped.protection_ends_at, tick=False)
    client.force_login(buyer)

    page = client.get(reverse("orders:detail", args=[shipped.number])).content.decode()

    assert "Buyer protection ended on" in page and "receipt was confirmed automatically" in page
    assert reverse("orders:confirm", args=[shipped.number]) not in page
    shipped.refresh_from_db()
    assert shipped.state == Order.State.SHIPPED


# --- orders ---------------------------------------------------------------------------------------
def test_shipping_one_second_before_the_handling_deadline_is_taken(order):
    shipped = ship(order, at=order.handling_due_at - SECOND)

    assert shipped.state == Order.State.SHIPPED


@pytest.mark.parametrize("late", [timedelta(0), SECOND], ids=["at", "plus_1s"])
def test_shipping_late_cancels_and_refunds_and_is_refused_naming_the_deadline(order, late):
    with pytest.raises(order_services.DeadlinePassed, match=r"handling time ended on .*refunded in full"):
        ship(order, at=order.handling_due_at + late)

    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    assert [r.amount for r in order.refunds.all()] == [order.total_paid]
    assert not hasattr(order, "shipment") or order.shipment is None


def test_confirming_after_protection_ended_is_refused_naming_the_automatic_confirmation(order, now, buyer):
    shipped = ship(order, at=now + DAY)
    late = shipped.protection_ends_at + SECOND

    with pytest.raises(order_services.DeadlinePassed, match="receipt was confirmed automatically"):
        order_services.confirm_receipt(order=shipped, buyer=buyer, now=late)

    shipped.refresh_from_db()
    assert shipped.state == Order.State.COMPLETED and shipped.confirmed_automatically
    assert shipped.confirmed_at == late


def test_opening_a_dispute_after_protection_ended_is_refused_naming_it(order, now):
    shipped = ship(order, at=now + DAY)

    with pytest.raises(services.DisputeWindowClosed, match="Buyer protection ended on"):
        open_dispute_for(shipped, at=shipped.protection_ends_at)

    assert not Dispute.objects.filter(order=shipped).exists()
