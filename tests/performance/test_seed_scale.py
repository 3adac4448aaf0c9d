"""seed_scale writes rows as the services and the clock would have left them: every order's
deadline is what ``Order.reschedule`` says, disputes hold their orders, refunds add up, disputes
come in every state, and the real sweep finds nothing due. The benchmark's backlog is due."""

import copy
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from disputes.models import Dispute, DisputeEvent
from messaging.models import Conversation
from messaging.selectors import unread_messages
from orders.models import Order, Refund
from portal import deadlines
from tests.disputes.test_statistics_tallies import figures_from_rows, figures_from_tallies
from tests.scale.bench import first_deadline_ahead
from tests.scale.seed import ScaleSeeder

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_scale", orders=400, disputes=120, now=NOW.isoformat(), stdout=out)
    return out.getvalue()


def test_disputes_come_in_every_state_and_orders_in_most(seeded):
    assert set(Dispute.objects.values_list("state", flat=True)) == set(Dispute.State.values)
    assert {Order.State.PAID, Order.State.SHIPPED, Order.State.SETTLED, Order.State.CANCELLED} <= set(
        Order.objects.values_list("state", flat=True)
    )
    assert "Wrote" in seeded


def test_every_order_deadline_is_what_reschedule_says(seeded):
    held = set(Dispute.objects.filter(state__in=Dispute.OPEN_STATES).values_list("order_id", flat=True))
    for order in Order.objects.all():
        expected = copy.copy(order)
        expected.reschedule()
        assert (order.deadline_at, order.deadline_kind) == (expected.deadline_at, expected.deadline_kind)
        assert order.on_hold == (order.pk in held)


def test_open_disputes_keep_one_deadline_and_closed_ones_an_outcome(seeded):
    for dispute in Dispute.objects.all():
        if dispute.is_open:
            assert dispute.deadline_at is not None and not dispute.outcome
            if dispute.state in Dispute.ENFORCED_STATES:
                assert dispute.deadline_at > NOW
        else:
            assert dispute.deadline_at is None and dispute.outcome and dispute.closed_at <= NOW
        first = dispute.events.order_by("created_at", "id").first()
        assert first.type == DisputeEvent.Type.OPENED


def test_refunds_match_the_outcomes_and_never_exceed_what_was_paid(seeded):
    paid = defaultdict(Decimal)
    for order_id, amount in Refund.objects.values_list("order_id", "amount"):
        paid[order_id] += amount
    for order in Order.objects.filter(pk__in=paid):
        assert paid[order.pk] <= order.total_paid
    for dispute in Dispute.objects.filter(refund_amount__gt=0):
        assert dispute.refunds.aggregate(total=Sum("amount"))["total"] == dispute.refund_amount
    for order in Order.objects.filter(state=Order.State.REFUNDED):
        assert paid[order.pk] == order.total_paid


def test_rows_pass_model_validation(seeded):
    # The protected state field cannot be re-assigned by clean_fields(); its choices are checked apart.
    for order in Order.objects.order_by("?")[:40]:
        order.full_clean(exclude=["state"], validate_unique=False)
        assert order.state in Order.State.values
    for dispute in Dispute.objects.order_by("?")[:40]:
        dispute.full_clean(exclude=["state"], validate_unique=False)
    assert Conversation.objects.exists()


def test_the_clock_finds_nothing_due_at_the_seeded_moment(seeded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        applied = deadlines.enforce_all(now=NOW)

    assert sum(applied.values()) == 0


def test_a_second_run_needs_append(seeded):
    with pytest.raises(CommandError, match="--append"):
        call_command("seed_scale", orders=10, disputes=1, now=NOW.isoformat(), stdout=StringIO())

    call_command("seed_scale", orders=10, disputes=1, now=NOW.isoformat(), append=True, stdout=StringIO())

    assert Order.objects.count() == 410


def test_the_benchmark_backlog_is_due_and_the_sweep_applies_all_of_it(
    seeded, django_capture_on_commit_callbacks
):
    sweep_at = first_deadline_ahead()
    assert sweep_at >= NOW
    seeder = ScaleSeeder(now=sweep_at, seed=8)
    seeder.seed_due_disputes(25, sweep_at=sweep_at, people=seeder.existing_people())
    due = Dispute.objects.filter(state__in=Dispute.ENFORCED_STATES, deadline_at__lte=sweep_at)
    assert due.count() == 25

    with django_capture_on_commit_callbacks(execute=False):
        applied = deadlines.enforce_all(now=sweep_at)

    assert applied["disputes"] == 25
    assert not due.exists()


def test_the_statistics_tallies_say_what_the_seeded_rows_say(seeded):
    since, from_tallies = figures_from_tallies(NOW)

    assert from_tallies == figures_from_rows(since)
    assert from_tallies["opened"] and from_tallies["decided"][0]


def test_each_conversation_keeps_what_its_buyer_and_seller_have_not_read(seeded):
    conversations = list(Conversation.objects.select_related("buyer", "store__owner"))
    kept = {c.pk: (c.buyer_unread, c.seller_unread) for c in conversations}
    defined = {
        c.pk: tuple(
            unread_messages(person).filter(conversation=c).count() for person in (c.buyer, c.store.owner)
        )
        for c in conversations
    }

    assert kept == defined
    assert any(buyer or seller for buyer, seller in kept.values())
