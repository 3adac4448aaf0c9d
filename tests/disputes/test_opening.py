"""Opening a dispute: every eligibility rule of SPEC "Opening", through ``open_dispute``."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from disputes import services
from disputes.models import BuyerStanding, Dispute, DisputeEvent, Proposal
from orders import services as order_services
from orders.models import Carrier, Order, OrderEvent, Refund
from portal import deadlines
from tests.factories import (
    OrderFactory,
    StoreFactory,
    UserFactory,
    completed_order,
    confirm,
    deliver,
    dispute_claim,
    open_dispute_for,
    ship,
)

pytestmark = pytest.mark.django_db

R = Dispute.Reason
SECOND = timedelta(seconds=1)


def assert_nothing_stored(order: Order) -> None:
    """A refused opening leaves no dispute, no timeline and no hold on the order's clock."""
    assert not Dispute.objects.filter(order=order).exists()
    assert not DisputeEvent.objects.filter(dispute__order=order).exists()
    order.refresh_from_db()
    assert not order.on_hold
    assert not order.events.filter(type=OrderEvent.Type.HELD).exists()


def refused(order: Order, error: type[Exception], *, at, **claim) -> services.DisputeError:
    with pytest.raises(error) as caught:
        open_dispute_for(order, at=at, **claim)
    assert_nothing_stored(order)
    return caught.value


# --- the happy path -------------------------------------------------------------------------------
def test_opening_holds_the_order_and_starts_the_sellers_clock(order, now):
    order = ship(order, at=now + timedelta(days=1))
    at = now + timedelta(days=8)

    dispute = open_dispute_for(order, at=at, amount=Decimal("25.00"), description="  Never came.  ")

    assert dispute.state == Dispute.State.AWAITING_SELLER
    assert dispute.requested_amount == Decimal("25.00") and dispute.max_refund == Decimal("60.00")
    assert dispute.description == "Never came."
    assert (dispute.currency, dispute.ship_to_country) == (order.currency, order.ship_to_country) != ("", "")
    assert dispute.deadline_at == at + timedelta(days=15) and dispute.deadline_party == "seller"
    assert list(dispute.items.order_by("line_item_id").values_list("quantity", flat=True)) == [1, 2]
    request = dispute.proposals.get()
    assert (request.kind, request.amount, request.resolution) == (
        Proposal.Kind.REQUEST,
        Decimal("25.00"),
        Proposal.Resolution.OPEN,
    )
    event = dispute.events.get()
    assert (event.type, event.from_state, event.to_state) == ("opened", "new", "awaiting_seller")
    order.refresh_from_db()
    assert order.on_hold and order.deadline_at is None


def test_opening_notifies_the_seller_with_the_deadline(
    order, now, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = ship(order, at=now + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute_for(order, at=now + timedelta(days=8))

    to_seller = [m for m in mailoutbox if m.to == [seller.email]]
    assert len(to_seller) == 1
    assert dispute.reference in to_seller[0].subject
    assert "If nobody acts by 24 Nov 2026, 12:00" in to_seller[0].body
    assert not [m for m in mailoutbox if m.to == [order.buyer.email] and "Dispute" in m.subject]


def test_opening_with_evidence_keeps_the_files_and_records_them(order, now):
    order = deliver(ship(order, at=now + timedelta(days=1)), at=now + timedelta(days=4))

    dispute = open_dispute_for(order, at=now + timedelta(days=5), reason=R.DAMAGED)

    evidence = dispute.evidence.get()
    assert evidence.party == "buyer" and evidence.original_name == "proof.jpg" and len(evidence.sha256) == 64
    added = dispute.events.get(type=DisputeEvent.Type.EVIDENCE_ADDED)
    assert added.to_state == "" and added.data["files"][0]["sha256"] == evidence.sha256


# --- the window, by reason and carrier --------------------------------------------------------------
def test_not_received_is_refused_one_second_before_six_days_after_shipment(order, now):
    order = ship(order, at=now + timedelta(days=1))

    error = refused(order, services.DisputeWindowClosed, at=order.shipped_at + timedelta(days=6) - SECOND)

    assert "8 Nov 2026, 12:00" in str(error)


def test_not_received_is_allowed_six_days_after_shipment(order, now):
    order = ship(order, at=now + timedelta(days=1))

    dispute = open_dispute_for(order, at=order.shipped_at + timedelta(days=6))

    assert dispute.state == Dispute.State.AWAITING_SELLER


def test_not_received_cannot_be_claimed_for_an_item_said_to_be_received(order, now):
    order = ship(order, at=now + timedelta(days=1))

    error = refused(order, services.ClaimNotAllowed, at=now + timedelta(days=8), item_received=True)

    assert error.field == "reason"


@pytest.mark.parametrize(
    ("carrier", "protection_days"),
    [
        (Carrier.DHL, 23),
        (Carrier.FEDEX, 23),
        (Carrier.EMS, 27),
        (Carrier.SF_EXPRESS, 27),
        (Carrier.CHINA_POST, 39),
        (Carrier.OTHER_POST, 39),
    ],
)
@pytest.mark.parametrize(("offset", "allowed"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)])
def test_the_window_closes_when_the_carriers_protection_ends(
    order, now, carrier, protection_days, offset, allowed
):
    order = ship(order, at=now + timedelta(days=1), carrier=carrier)
    protection_end = order.shipped_at + timedelta(days=protection_days)
    assert order.protection_ends_at == protection_end

    if allowed:
        assert open_dispute_for(order, at=protection_end + offset).is_open
    else:
        refused(order, services.DisputeWindowClosed, at=protection_end + offset)


def test_other_reasons_need_the_parcel_to_have_arrived(order, now):
    order = ship(order, at=now + timedelta(days=1))

    error = refused(
        order, services.DisputeWindowClosed, at=now + timedelta(days=3), reason=R.DAMAGED, item_received=False
    )

    assert error.field == "item_received"


def test_other_reasons_are_allowed_as_soon_as_the_buyer_has_the_item(order, now):
    order = ship(order, at=now + timedelta(days=1))

    dispute = open_dispute_for(order, at=now + timedelta(days=2), reason=R.WRONG_ITEM, item_received=True)

    assert dispute.state == Dispute.State.AWAITING_SELLER and dispute.item_received


def test_other_reasons_are_allowed_any_time_after_delivery(order, now):
    order = deliver(ship(order, at=now + timedelta(days=1)), at=now + timedelta(days=2))

    dispute = open_dispute_for(order, at=now + timedelta(days=2), reason=R.DOES_NOT_WORK, item_received=False)

    assert dispute.is_open


@pytest.mark.parametrize(("offset", "allowed"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)])
def test_delivery_shrinks_the_window_to_five_days(order, now, offset, allowed):
    order = deliver(ship(order, at=now + timedelta(days=1)), at=now + timedelta(days=4))
    closes = now + timedelta(days=9)
    assert order.protection_ends_at == closes

    if allowed:
        assert open_dispute_for(order, at=closes + offset, reason=R.DAMAGED).is_open
    else:
        refused(order, services.DisputeWindowClosed, at=closes + offset, reason=R.DAMAGED)


@pytest.mark.parametrize(("offset", "allowed"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)])
def test_after_confirmation_the_window_is_fifteen_days(buyer, store, now, offset, allowed):
    order = completed_order(paid_at=now, buyer=buyer, store=store, confirmed_after=timedelta(days=5))
    closes = now + timedelta(days=5 + 15)
    assert order.dispute_window_ends_at == closes

    if allowed:
        assert open_dispute_for(order, at=closes + offset, reason=R.NOT_AS_DESCRIBED).is_open
    else:
        refused(order, services.DisputeWindowClosed, at=closes + offset, reason=R.NOT_AS_DESCRIBED)


def test_an_unshipped_order_is_refused_with_the_automatic_refund_date(order, now):
    error = refused(order, services.DisputeWindowClosed, at=now + timedelta(days=3))

    assert "8 Nov 2026" in str(error)


def test_a_settled_order_is_refused(buyer, store, now):
    order = completed_order(paid_at=now, buyer=buyer, store=store)
    deadlines.enforce_all(now=order.dispute_window_ends_at)
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED

    refused(order, services.DisputeWindowClosed, at=order.dispute_window_ends_at, reason=R.DAMAGED)


def test_a_cancelled_order_is_refused(order, now):
    deadlines.enforce_all(now=order.handling_due_at)
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED

    refused(order, services.DisputeWindowClosed, at=order.handling_due_at + timedelta(days=1))


def test_a_refunded_order_is_refused(order, now, mediator):
    order = ship(order, at=now + timedelta(days=1))
    dispute = open_dispute_for(order, at=now + timedelta(days=8))
    services.accept_request(dispute=dispute, seller=order.store.owner, now=now + timedelta(days=9))
    order.refresh_from_db()
    assert order.state == Order.State.REFUNDED

    with pytest.raises(services.DisputeWindowClosed):
        open_dispute_for(order, at=now + timedelta(days=10))
    assert Dispute.objects.filter(order=order).count() == 1


def test_only_the_orders_buyer_can_open(order, now, other_buyer):
    order = ship(order, at=now + timedelta(days=1))

    with pytest.raises(services.ClaimNotAllowed):
        services.open_dispute(
            order=order, buyer=other_buyer, claim=dispute_claim(order), now=now + timedelta(days=8)
        )
    assert_nothing_stored(order)


# --- one open dispute per order ---------------------------------------------------------------------
def test_a_second_dispute_is_refused_while_one_is_open(order, now):
    order = ship(order, at=now + timedelta(days=1))
    first = open_dispute_for(order, at=now + timedelta(days=8))

    with pytest.raises(services.DisputeAlreadyOpen):
        open_dispute_for(order, at=now + timedelta(days=9))

    assert list(Dispute.objects.filter(order=order)) == [first]
    assert first.events.count() == 1


def test_the_database_refuses_a_second_open_dispute_even_bypassing_the_service(order, now):
    order = ship(order, at=now + timedelta(days=1))
    first = open_dispute_for(order, at=now + timedelta(days=8))

    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.create(
            order=order,
            buyer=first.buyer,
            store=first.store,
            reason=R.NOT_RECEIVED,
            item_received=False,
            description="again",
            currency="USD",
            max_refund=Decimal("60.00"),
            requested_amount=Decimal("60.00"),
            requested_return=False,
            opened_at=now + timedelta(days=9),
            deadline_at=now + timedelta(days=24),
        )
    assert list(Dispute.objects.filter(order=order)) == [first]


def test_a_new_dispute_may_be_opened_after_a_withdrawal(order, now):
    order = ship(order, at=now + timedelta(days=1))
    first = open_dispute_for(order, at=now + timedelta(days=8))
    services.withdraw_dispute(dispute=first, buyer=order.buyer, now=now + timedelta(days=9))

    second = open_dispute_for(order, at=now + timedelta(days=10))

    assert second.pk != first.pk and second.is_open


# --- the amount ---------------------------------------------------------------------------------------
def test_the_amount_cannot_exceed_what_was_paid(order, now):
    order = ship(order, at=now + timedelta(days=1))

    error = refused(order, services.AmountNotAllowed, at=now + timedelta(days=8), amount=Decimal("60.01"))

    assert error.field == "amount" and "60.00 USD" in str(error)


def test_the_amount_may_be_all_that_was_paid(order, now):
    order = ship(order, at=now + timedelta(days=1))

    assert open_dispute_for(order, at=now + timedelta(days=8), amount=Decimal("60.00")).requested_amount == (
        Decimal("60.00")
    )


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-5.00")])
def test_the_amount_must_be_positive(order, now, amount):
    order = ship(order, at=now + timedelta(days=1))

    refused(order, services.AmountNotAllowed, at=now + timedelta(days=8), amount=amount)


def test_the_amount_cannot_exceed_what_is_left_after_earlier_refunds(order, now):
    order = ship(order, at=now + timedelta(days=1))
    with transaction.atomic():
        order_services.issue_refund(
            order=order_services.lock_order(order.pk),
            amount=Decimal("15.00"),
            reason=Refund.Reason.DISPUTE,
            now=now + timedelta(days=2),
        )

    refused(order, services.AmountNotAllowed, at=now + timedelta(days=8), amount=Decimal("45.01"))
    dispute = open_dispute_for(order, at=now + timedelta(days=8), amount=Decimal("45.00"))

    assert dispute.max_refund == Decimal("45.00")


def test_a_failed_refund_does_not_reduce_what_can_be_asked(order, now):
    order = ship(order, at=now + timedelta(days=1))
    with transaction.atomic():
        refund = order_services.issue_refund(
            order=order_services.lock_order(order.pk),
            amount=Decimal("15.00"),
            reason=Refund.Reason.DISPUTE,
            now=now + timedelta(days=2),
        )
    refund.mark_failed(reason="card closed")
    refund.save()

    dispute = open_dispute_for(order, at=now + timedelta(days=8))

    assert dispute.requested_amount == Decimal("60.00")


def test_a_full_refund_asks_for_everything_still_refundable_including_shipping(buyer, store, now):
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now, total_paid=Decimal("65.00")), at=now)

    dispute = open_dispute_for(order, at=now + timedelta(days=6), amount=None)

    assert dispute.requested_amount == dispute.max_refund == Decimal("65.00")


def test_part_of_the_order_is_capped_at_those_items_price(buyer, store, now):
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now, total_paid=Decimal("65.00")), at=now)
    case = order.items.get(title="Phone case")

    refused(
        order,
        services.AmountNotAllowed,
        at=now + timedelta(days=6),
        items=[(case, 1)],
        amount=Decimal("10.01"),
    )
    full = open_dispute_for(order, at=now + timedelta(days=6), items=[(case, 1)], amount=None)

    assert full.requested_amount == full.max_refund == Decimal("10.00")


def test_items_must_come_from_the_order_in_available_quantities(order, now, buyer, store):
    order = ship(order, at=now + timedelta(days=1))
    case = order.items.get(title="Phone case")
    foreign = OrderFactory(buyer=buyer, store=store, paid_at=now).items.first()

    for items in ([(case, 3)], [(foreign, 1)], [], [(case, 0)]):
        error = refused(order, services.ClaimNotAllowed, at=now + timedelta(days=8), items=items)
        assert error.field == "items"


# --- changed my mind ------------------------------------------------------------------------------------
def receive(buyer, store, now) -> Order:
    """Paid now under the store's policy of now; delivered on day 4, confirmed on day 5."""
    order = deliver(
        ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + timedelta(days=1)),
        at=now + timedelta(days=4),
    )
    return confirm(order, at=now + timedelta(days=5))


@pytest.fixture
def received_order(buyer, store, now):
    """Delivered on day 4, confirmed on day 5: the dispute window runs to day 20."""
    return receive(buyer, store, now)


def change_of_mind(order, *, at, **claim):
    return open_dispute_for(
        order, at=at, reason=R.CHANGED_MIND, with_return=claim.pop("with_return", True), **claim
    )


def test_a_change_of_mind_is_accepted_with_a_return_inside_the_return_window(received_order, now):
    dispute = change_of_mind(received_order, at=now + timedelta(days=6))

    assert dispute.requested_return and dispute.is_open


def test_a_change_of_mind_needs_a_store_that_accepts_returns(buyer, now, store):
    store.accepts_returns = False
    store.save()
    received_order = receive(buyer, store, now)

    error = refused(
        received_order,
        services.ClaimNotAllowed,
        at=now + timedelta(days=6),
        reason=R.CHANGED_MIND,
        with_return=True,
    )

    assert store.name in str(error)


@pytest.mark.parametrize(("offset", "allowed"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)])
def test_a_change_of_mind_must_come_inside_the_stores_return_window(buyer, now, store, offset, allowed):
    store.return_window_days = 14
    store.save()
    received_order = receive(buyer, store, now)
    closes = received_order.delivered_at + timedelta(days=14)

    if allowed:
        assert change_of_mind(received_order, at=closes + offset).is_open
    else:
        error = refused(
            received_order,
            services.ClaimNotAllowed,
            at=closes + offset,
            reason=R.CHANGED_MIND,
            with_return=True,
        )
        assert "14-day" in str(error)


@pytest.mark.parametrize(
    ("flag", "store_accepts"),
    [("is_personalised", "returns_personalised_items"), ("is_used", "returns_used_items")],
)
def test_personalised_and_used_items_follow_the_stores_policy(buyer, now, store, flag, store_accepts):
    setattr(store, store_accepts, True)
    store.save()
    received_order = receive(buyer, store, now)
    earbuds = received_order.items.get(title="Wireless earbuds")
    setattr(earbuds, flag, True)
    earbuds.save()

    assert change_of_mind(received_order, at=now + timedelta(days=6)).is_open


@pytest.mark.parametrize("flag", ["is_personalised", "is_used"])
def test_personalised_and_used_items_are_not_returned_for_a_change_of_mind_by_default(
    received_order, now, flag
):
    earbuds = received_order.items.get(title="Wireless earbuds")
    setattr(earbuds, flag, True)
    earbuds.save()

    error = refused(
        received_order,
        services.ClaimNotAllowed,
        at=now + timedelta(days=6),
        reason=R.CHANGED_MIND,
        with_return=True,
    )
    assert error.field == "items" and "Wireless earbuds" in str(error)


def test_a_returnable_part_of_the_order_can_be_returned_when_another_item_cannot(received_order, now):
    earbuds = received_order.items.get(title="Wireless earbuds")
    earbuds.is_personalised = True
    earbuds.save()
    case = received_order.items.get(title="Phone case")

    dispute = change_of_mind(received_order, at=now + timedelta(days=6), items=[(case, 2)])

    assert dispute.max_refund == Decimal("20.00")


def test_a_change_of_mind_must_include_the_return(received_order, now):
    error = refused(
        received_order,
        services.ClaimNotAllowed,
        at=now + timedelta(days=6),
        reason=R.CHANGED_MIND,
        with_return=False,
    )

    assert error.field == "with_return"


# --- the buyer's standing ----------------------------------------------------------------------------------
def test_a_blacklisted_buyer_is_refused_with_the_reason(order, now, mediator):
    order = ship(order, at=now + timedelta(days=1))
    services.set_buyer_blacklisted(
        buyer=order.buyer, mediator=mediator, blacklisted=True, reason="Five fake claims in a month", now=now
    )

    error = refused(order, services.BuyerBlacklisted, at=now + timedelta(days=8))

    assert "Five fake claims in a month" in str(error)


def test_a_buyer_taken_off_the_blacklist_can_open_again(order, now, mediator):
    order = ship(order, at=now + timedelta(days=1))
    services.set_buyer_blacklisted(
        buyer=order.buyer, mediator=mediator, blacklisted=True, reason="abuse", now=now
    )
    services.set_buyer_blacklisted(
        buyer=order.buyer, mediator=mediator, blacklisted=False, reason="appeal upheld", now=now
    )

    assert open_dispute_for(order, at=now + timedelta(days=8)).is_open


def win(buyer, store, now):
    """Open a dispute on a fresh order and have the seller accept it: a win for the buyer."""
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now)
    dispute = open_dispute_for(order, at=now + timedelta(days=6))
    return services.accept_request(dispute=dispute, seller=store.owner, now=now + timedelta(days=7))


def lose(buyer, store, now, mediator):
    """Open, get rejected, escalate, and have a mediator reject the claim."""
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now)
    dispute = open_dispute_for(order, at=now + timedelta(days=6))
    services.reject_request(
        dispute=dispute, seller=store.owner, note="Delivered", evidence=[], now=now + timedelta(days=7)
    )
    services.escalate_dispute(dispute=dispute, user=buyer, note="", now=now + timedelta(days=7))
    return services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=services.Decision.REJECT,
        amount=None,
        note="Tracking shows delivery.",
        now=now + timedelta(days=8),
    )


def test_three_wins_in_a_row_flag_the_buyer(buyer, store, now):
    for expected_wins in (1, 2):
        assert win(buyer, store, now).state == Dispute.State.RESOLVED_BUYER
        standing = BuyerStanding.objects.get(buyer=buyer)
        assert (standing.wins_in_a_row, standing.flagged) == (expected_wins, False)

    win(buyer, store, now)

    standing = BuyerStanding.objects.get(buyer=buyer)
    assert (standing.wins_in_a_row, standing.flagged) == (3, True)


def test_a_seller_win_resets_the_streak(buyer, store, now, mediator):
    win(buyer, store, now)
    win(buyer, store, now)
    assert lose(buyer, store, now, mediator).state == Dispute.State.RESOLVED_SELLER
    assert BuyerStanding.objects.get(buyer=buyer).wins_in_a_row == 0

    win(buyer, store, now)
    win(buyer, store, now)

    standing = BuyerStanding.objects.get(buyer=buyer)
    assert (standing.wins_in_a_row, standing.flagged) == (2, False)


def test_a_withdrawal_neither_counts_nor_breaks_the_streak(buyer, store, now):
    win(buyer, store, now)
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now)
    dispute = open_dispute_for(order, at=now + timedelta(days=6))
    services.withdraw_dispute(dispute=dispute, buyer=buyer, now=now + timedelta(days=7))

    assert BuyerStanding.objects.get(buyer=buyer).wins_in_a_row == 1


def test_a_flagged_buyer_may_still_open_disputes(buyer, store, now):
    for _ in range(3):
        win(buyer, store, now)
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now)

    assert open_dispute_for(order, at=now + timedelta(days=6)).is_open


def test_each_buyer_has_their_own_streak(buyer, store, now):
    other = UserFactory()
    for _ in range(3):
        win(buyer, store, now)

    win(other, StoreFactory(), now)

    assert BuyerStanding.objects.get(buyer=other).flagged is False


# --- evidence ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", [r for r in R.values if r not in (R.NOT_RECEIVED, R.CHANGED_MIND)])
def test_evidence_is_required_for_every_reason_but_not_received(order, now, reason):
    order = deliver(ship(order, at=now + timedelta(days=1)), at=now + timedelta(days=4))

    error = refused(order, services.EvidenceRequired, at=now + timedelta(days=5), reason=reason, evidence=[])

    assert error.field == "evidence"


def test_a_change_of_mind_also_needs_evidence(received_order, now):
    refused(
        received_order,
        services.EvidenceRequired,
        at=now + timedelta(days=6),
        reason=R.CHANGED_MIND,
        with_return=True,
        evidence=[],
    )


def test_not_received_needs_no_evidence(order, now):
    order = ship(order, at=now + timedelta(days=1))

    dispute = open_dispute_for(order, at=now + timedelta(days=8), evidence=[])

    assert not dispute.evidence.exists()
