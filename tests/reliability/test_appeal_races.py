"""Appeals and per-line rulings under concurrency, on PostgreSQL: two appeals filed at once make
one; two second mediators deciding at once refund the difference once; two line-by-line
decisions at once write one set of rulings."""

from datetime import timedelta
from decimal import Decimal

import pytest

from disputes import services
from disputes.models import Appeal, LineRuling
from orders.models import Refund
from tests.factories import OrderFactory, evidence_files, mediator_user, open_dispute_for, ship
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently

pytestmark = [POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]

DAY = timedelta(days=1)


@pytest.fixture
def in_mediation(mediators_group, buyer, seller, store, now):
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY, reason="damaged", amount=Decimal("60.00"))
    services.reject_request(dispute=dispute, seller=seller, note="Fine", evidence=[], now=now + 9 * DAY)
    return services.escalate_dispute(dispute=dispute, user=buyer, note="Broken", now=now + 10 * DAY)


@pytest.fixture
def first(mediators_group):
    return mediator_user(username="first_mediator")


@pytest.fixture
def lost(in_mediation, first, now):
    return services.decide_dispute(
        dispute=in_mediation,
        mediator=first,
        decision=services.Decision.REJECT,
        amount=None,
        note="No proof",
        now=now + 12 * DAY,
    )


def test_two_appeals_filed_at_once_make_one_and_refuse_the_other(lost, buyer, seller, now):
    def appeal_by(user):
        return lambda: services.file_appeal(
            dispute=lost, user=user, reason="Wrong", files=evidence_files("x.jpg"), now=now + 13 * DAY
        )

    results = run_concurrently(appeal_by(buyer), appeal_by(seller))

    assert sum(isinstance(result, Appeal) for result in results) == 1
    assert sum(isinstance(result, services.AppealNotAllowed) for result in results) == 1
    assert Appeal.objects.filter(dispute=lost).count() == 1


def test_two_second_mediators_deciding_at_once_refund_the_difference_once(lost, buyer, seller, now):
    appeal = services.file_appeal(
        dispute=lost, user=buyer, reason="Wrong", files=evidence_files("x.jpg"), now=now + 13 * DAY
    )
    services.answer_appeal(appeal=appeal, user=seller, text="Right", files=[], now=now + 14 * DAY)
    one, two = mediator_user(username="second_one"), mediator_user(username="second_two")

    def decide_by(mediator):
        return lambda: services.decide_appeal(
            appeal=appeal,
            mediator=mediator,
            decision=services.AppealDecision.FULL_REFUND,
            amount=None,
            note="Empty box",
            now=now + 15 * DAY,
        )

    results = run_concurrently(decide_by(one), decide_by(two))

    assert sum(isinstance(result, Appeal) for result in results) == 1
    assert sum(isinstance(result, services.ActionNotAllowed) for result in results) == 1
    assert [r.amount for r in Refund.objects.filter(dispute=lost)] == [Decimal("60.00")]


def test_two_line_by_line_decisions_at_once_write_one_set_of_rulings(in_mediation, first, now):
    earbuds, cases = in_mediation.order.items.order_by("id")
    other = mediator_user(username="other_mediator")
    lines = [
        services.LineDecision(earbuds.pk, LineRuling.Remedy.REFUND, Decimal("40.00")),
        services.LineDecision(cases.pk, LineRuling.Remedy.REFUND, Decimal("20.00")),
    ]

    def decide_by(mediator):
        return lambda: services.decide_dispute_by_lines(
            dispute=in_mediation, mediator=mediator, lines=lines, note="Both broken", now=now + 12 * DAY
        )

    results = run_concurrently(decide_by(first), decide_by(other))

    assert sum(isinstance(result, services.DisputeError) for result in results) == 1
    assert LineRuling.objects.filter(dispute=in_mediation).count() == 2
    assert [r.amount for r in Refund.objects.filter(dispute=in_mediation)] == [Decimal("60.00")]
