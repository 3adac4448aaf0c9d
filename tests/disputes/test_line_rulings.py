"""Per-line rulings (issue 16, item 3): each disputed line refunded now, after its return, or not
at all, under one reason; no line above its total, no sum above what can still be refunded."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from disputes import services
from disputes.models import Dispute, LineRuling
from orders.models import Order, Refund
from tests.factories import open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
R = LineRuling.Remedy
L = services.LineDecision


@pytest.fixture
def decided_at(now):
    return now + 12 * DAY


@pytest.fixture
def dispute(order, now, seller, buyer):
    """Both lines disputed (earbuds 40.00, two cases 20.00), in mediation."""
    order = ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY, reason="damaged", amount=Decimal("60.00"))
    services.reject_request(dispute=dispute, seller=seller, note="Fine", evidence=[], now=now + 9 * DAY)
    return services.escalate_dispute(dispute=dispute, user=buyer, note="Broken", now=now + 10 * DAY)


@pytest.fixture
def lines(order):
    earbuds, cases = order.items.order_by("id")
    return earbuds, cases


def decide(dispute, mediator, at, *decisions, note="Earbuds cracked; cases fine"):
    return services.decide_dispute_by_lines(
        dispute=dispute, mediator=mediator, lines=list(decisions), note=note, now=at
    )


def refused(dispute, mediator, at, error, *decisions, **kwargs) -> str:
    with pytest.raises(error) as refusal:
        decide(dispute, mediator, at, *decisions, **kwargs)
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.IN_MEDIATION
    assert not LineRuling.objects.filter(dispute=dispute).exists()
    assert not Refund.objects.filter(dispute=dispute).exists()
    return refusal.value


def test_one_line_refunded_and_one_refused_closes_with_that_refund(dispute, mediator, lines, decided_at):
    earbuds, cases = lines

    dispute = decide(
        dispute, mediator, decided_at, L(earbuds.pk, R.REFUND, Decimal("40.00")), L(cases.pk, R.NOTHING)
    )

    assert (dispute.state, dispute.refund_amount, dispute.outcome) == (
        "resolved_buyer",
        Decimal("40.00"),
        "partial_refund",
    )
    assert [r.amount for r in Refund.objects.filter(dispute=dispute)] == [Decimal("40.00")]
    rulings = {r.line_item_id: (r.remedy, r.amount) for r in dispute.line_rulings.all()}
    assert rulings == {earbuds.pk: ("refund", Decimal("40.00")), cases.pk: ("nothing", Decimal("0.00"))}


def test_a_line_to_return_goes_through_the_return_flow_and_the_other_is_refunded_now(
    dispute, mediator, seller, buyer, lines, decided_at
):
    earbuds, cases = lines

    dispute = decide(
        dispute,
        mediator,
        decided_at,
        L(earbuds.pk, R.REFUND_AFTER_RETURN, Decimal("40.00")),
        L(cases.pk, R.REFUND, Decimal("15.00")),
    )

    assert (dispute.state, dispute.agreed_amount, dispute.agreed_return) == (
        "awaiting_return",
        Decimal("40.00"),
        True,
    )
    assert dispute.return_address
    assert [r.amount for r in Refund.objects.filter(dispute=dispute)] == [Decimal("15.00")]

    services.ship_return(
        dispute=dispute, buyer=buyer, carrier="dhl", tracking_number="JD014600003SE", now=decided_at + DAY
    )
    dispute = services.confirm_return_received(dispute=dispute, seller=seller, now=decided_at + 3 * DAY)

    assert dispute.state == "resolved_buyer"
    assert sorted(r.amount for r in Refund.objects.filter(dispute=dispute)) == [
        Decimal("15.00"),
        Decimal("40.00"),
    ]
    # 55.00 of 60.00 refunded: the rest stays in escrow, as after any partial refund.
    order = Order.objects.get(pk=dispute.order_id)
    assert (order.state, order.on_hold) == (Order.State.COMPLETED, False)


def test_nothing_on_every_line_decides_for_the_seller(dispute, mediator, lines, decided_at):
    earbuds, cases = lines

    dispute = decide(dispute, mediator, decided_at, L(earbuds.pk, R.NOTHING), L(cases.pk, R.NOTHING))

    assert (dispute.state, dispute.refund_amount) == ("resolved_seller", Decimal("0.00"))


def test_a_line_above_its_total_is_refused_naming_the_line(dispute, mediator, lines, decided_at):
    earbuds, cases = lines

    error = refused(
        dispute,
        mediator,
        decided_at,
        services.AmountNotAllowed,
        L(earbuds.pk, R.REFUND, Decimal("40.00")),
        L(cases.pk, R.REFUND, Decimal("20.01")),
    )

    assert error.field == f"amount_{cases.pk}"
    assert "20.00 USD, this line's total" in str(error)


def test_lines_adding_up_to_more_than_is_left_to_refund_are_refused(dispute, mediator, lines, decided_at):
    earbuds, cases = lines
    order = dispute.order
    order.refunds.create(
        amount=Decimal("10.00"),
        currency="USD",
        reason=Refund.Reason.DISPUTE,
        created_at=decided_at,
        next_attempt_at=decided_at,
    )

    error = refused(
        dispute,
        mediator,
        decided_at,
        services.AmountNotAllowed,
        L(earbuds.pk, R.REFUND, Decimal("40.00")),
        L(cases.pk, R.REFUND, Decimal("20.00")),
    )

    assert "more than the 50.00 USD that can still be refunded" in str(error)


def test_every_disputed_line_needs_a_ruling_and_a_reason(dispute, mediator, lines, decided_at):
    earbuds, cases = lines

    refused(
        dispute, mediator, decided_at, services.ActionNotAllowed, L(earbuds.pk, R.REFUND, Decimal("40.00"))
    )
    refused(
        dispute,
        mediator,
        decided_at,
        services.ActionNotAllowed,
        L(earbuds.pk, R.NOTHING),
        L(cases.pk, R.NOTHING),
        note=" ",
    )


def test_the_database_keeps_a_ruling_within_its_line_total(dispute, mediator, lines, decided_at):
    earbuds, _cases = lines

    with pytest.raises(IntegrityError), transaction.atomic():
        LineRuling.objects.create(
            dispute=dispute,
            line_item=earbuds,
            remedy=R.REFUND,
            amount=Decimal("40.01"),
            line_total=Decimal("40.00"),
            decided_by=mediator,
            created_at=decided_at,
        )


def test_a_party_cannot_decide_by_lines(dispute, buyer, lines, decided_at):
    earbuds, cases = lines

    refused(
        dispute,
        buyer,
        decided_at,
        services.ActionNotAllowed,
        L(earbuds.pk, R.NOTHING),
        L(cases.pk, R.NOTHING),
    )


def test_deciding_line_by_line_assigns_the_case_to_the_decider(dispute, mediator, lines, decided_at):
    earbuds, cases = lines

    dispute = decide(dispute, mediator, decided_at, L(earbuds.pk, R.NOTHING), L(cases.pk, R.NOTHING))

    assert dispute.assigned_mediator == mediator == dispute.decided_by
    assert list(dispute.events.filter(type="assigned").values_list("actor", flat=True)) == [mediator.pk]


def test_only_mediators_with_the_decide_permission_decide_line_by_line(
    dispute, lines, decided_at, buyer, staff_non_mediator
):
    earbuds, cases = lines

    for user in (buyer, staff_non_mediator):
        refused(
            dispute,
            user,
            decided_at,
            services.ActionNotAllowed,
            L(earbuds.pk, R.NOTHING),
            L(cases.pk, R.NOTHING),
        )
