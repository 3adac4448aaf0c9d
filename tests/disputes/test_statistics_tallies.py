"""The statistics page reads tallies the services keep: each change shows on the very next view,
the tallies after a realistic flow say what the rows say, and the sweep's group adds in a fixed
number of statements."""

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext

from disputes import services, tallies
from disputes.admin.selectors import team_statistics
from disputes.admin.statistics import duration_text, mediator_rows
from disputes.models import Dispute, DisputeEvent, Proposal
from disputes.services.clock import enforce_dispute_deadlines
from orders.models import Order
from orders.services import CheckoutLine, PaidOrder, record_paid_order
from portal.accounts.models import User
from portal.tallies.models import Tally
from portal.tallies.services import duration_bucket, median
from tests.disputes.conftest import DAY, STATS, T, case
from tests.factories import OrderFactory, StoreFactory, open_dispute_for, ship

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def view(client, mediator, time_machine):
    """The statistics page as a mediator sees it now: its context."""
    time_machine.move_to(T, tick=False)
    client.force_login(mediator)

    def get():
        response = client.get(STATS)
        assert response.status_code == 200
        return response.context

    return get


def seller(context, store):
    return next((row for row, _median in context["sellers"] if row.store == store), None)


def open_case(store, *, at):
    """A dispute opened at ``at`` on a shipped order of ``store``."""
    order = ship(OrderFactory(store=store, paid_at=at - 10 * DAY), at=at - 9 * DAY)
    return open_dispute_for(order, at=at)


def counter(dispute, *, at):
    return services.counter_offer(
        dispute=dispute,
        seller=dispute.store.owner,
        amount=Decimal("10.00"),
        with_return=False,
        note="Ten",
        evidence=[],
        now=at,
    )


def test_an_opened_dispute_and_a_paid_order_show_on_the_next_view(view):
    store = StoreFactory()
    open_case(store, at=T - 2 * DAY)
    before = view()

    open_case(store, at=T - HOUR)
    after_opening = view()
    record_paid_order(
        paid=PaidOrder(
            number="AE-STATS-1",
            buyer=OrderFactory().buyer,
            store=store,
            currency="USD",
            lines=[CheckoutLine(title="Lamp", quantity=1, unit_price=Decimal("20.00"))],
            paid_at=T - HOUR,
        )
    )
    after_paying = view()

    assert after_opening["stats"].weeks[0].opened == before["stats"].weeks[0].opened + 1
    assert (seller(before, store).disputes, seller(after_opening, store).disputes) == (1, 2)
    assert (seller(after_opening, store).orders, seller(after_paying, store).orders) == (2, 3)


def test_a_first_response_and_an_escalation_show_on_the_next_view(view):
    store = StoreFactory()
    dispute = open_case(store, at=T - 3 * DAY)
    before = view()

    counter(dispute, at=T - 3 * DAY + 5 * HOUR)
    answered = view()
    services.escalate_dispute(dispute=dispute, user=dispute.buyer, note="No", now=T - HOUR)
    escalated = view()

    assert seller(before, store).median_first_response is None
    assert duration_text(seller(answered, store).median_first_response) == "5 hours"
    assert escalated["stats"].weeks[0].escalated == answered["stats"].weeks[0].escalated + 1


def test_a_decision_shows_for_the_team_the_mediator_and_the_store_on_the_next_view(view, mediator):
    store = StoreFactory()
    dispute = case(store, escalated_at=T - 2 * DAY)
    before = view()

    services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=services.Decision.FULL_REFUND,
        amount=None,
        note="Reason",
        now=T - 2 * DAY + 7 * HOUR,
    )
    after = view()

    week = after["stats"].weeks[0]
    assert (week.decided, week.decided_for_buyer) == (1, 1)
    assert before["stats"].weeks[0].decided == 0
    assert after["median_to_decision"] == "7 hours"
    assert [row.cells for row in after["mediators"] if row.mediator == mediator] == [[0, 1, 1, "7 hours"]]
    # Closed after mediation: closed, not "without mediation".
    assert (seller(before, store).closed, seller(after, store).closed) == (0, 1)
    assert seller(after, store).closed_without_mediation == 0


def test_a_dispute_closed_without_mediation_shows_on_the_next_view(view):
    store = StoreFactory()
    dispute = open_case(store, at=T - 2 * DAY)
    before = view()

    services.accept_request(dispute=dispute, seller=store.owner, now=T - DAY)
    after = view()

    assert (seller(before, store).closed, seller(before, store).closed_without_mediation) == (0, 0)
    assert (seller(after, store).closed, seller(after, store).closed_without_mediation) == (1, 1)
    assert duration_text(seller(after, store).median_first_response) == "1 day"


def test_disputes_the_sweep_resolves_show_on_the_next_view(view):
    store = StoreFactory()
    silent = [open_case(store, at=T - 20 * DAY) for _ in range(3)]
    assert all(dispute.deadline_at < T for dispute in silent)
    before = view()

    enforce_dispute_deadlines(now=T)
    after = view()

    assert (seller(before, store).closed, seller(after, store).closed) == (0, 3)
    assert seller(after, store).closed_without_mediation == 3


def tally_statements(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if "tallies_tally" in query["sql"]]


def test_a_group_the_sweep_resolves_adds_to_the_tallies_in_the_same_statements_as_one(time_machine):
    one, many = StoreFactory(), StoreFactory()
    open_case(one, at=T - 60 * DAY)
    with CaptureQueriesContext(connection) as alone:
        assert enforce_dispute_deadlines(now=T - 40 * DAY) == 1
    for n in range(6):
        open_case(many if n % 2 else StoreFactory(), at=T - 30 * DAY)
    with CaptureQueriesContext(connection) as group:
        assert enforce_dispute_deadlines(now=T) == 6

    assert len(tally_statements(alone)) == len(tally_statements(group)) == 1
    assert Tally.objects.get(name=tallies.STORE_CLOSED, subject=many.pk).n == 3


# --- the tallies say what the rows say ---------------------------------------------------------------
def figures_from_rows(since):
    """The page's figures counted from the rows, as the page did before the tallies (with each
    decision timed from the escalation before it), the medians through the same histogram."""
    decisions = Proposal.objects.filter(kind=Proposal.Kind.DECISION, created_at__gte=since)
    escalation = (
        DisputeEvent.objects.filter(
            dispute=OuterRef("dispute"),
            type__in=[DisputeEvent.Type.ESCALATED, DisputeEvent.Type.RETURN_PROBLEM],
            created_at__lte=OuterRef("created_at"),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    took: dict[int, list[timedelta]] = {0: []}
    for author_id, decided_at, escalated_at in decisions.annotate(
        escalated=Coalesce(Subquery(escalation), F("dispute__escalated_at"))
    ).values_list("author_id", "created_at", "escalated"):
        for subject in (0, author_id):
            took.setdefault(subject, []).append(decided_at - escalated_at)
    histograms = {subject: _histogram(values) for subject, values in took.items()}
    per_mediator = decisions.values("author").annotate(
        n=Count("pk"), buyer=Count("pk", filter=Q(amount__gt=0))
    )
    opened = Dispute.objects.filter(opened_at__gte=since)
    stores = opened.values("store").annotate(
        n=Count("pk"),
        closed=Count("pk", filter=Q(state__in=Dispute.CLOSED_STATES)),
        unmediated=Count("pk", filter=Q(state__in=Dispute.CLOSED_STATES, escalated_at__isnull=True)),
    )
    return {
        "opened": opened.count(),
        "escalated": DisputeEvent.objects.filter(
            type__in=[DisputeEvent.Type.ESCALATED, DisputeEvent.Type.RETURN_PROBLEM], created_at__gte=since
        ).count(),
        "decided": (decisions.count(), decisions.filter(amount__gt=0).count()),
        "median": median(histograms[0]),
        "mediators": {
            row["author"]: [row["n"], row["buyer"], duration_text(median(histograms[row["author"]]))]
            for row in per_mediator
        },
        "stores": {
            row["store"]: (
                Order.objects.filter(store=row["store"], paid_at__gte=since).count(),
                row["n"],
                row["closed"],
                row["unmediated"],
                median(
                    _histogram(
                        [
                            answered - opened_at
                            for answered, opened_at in opened.filter(
                                store=row["store"], seller_first_response_at__isnull=False
                            ).values_list("seller_first_response_at", "opened_at")
                        ]
                    )
                ),
            )
            for row in stores
        },
    }


def _histogram(durations: list[timedelta]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for duration in durations:
        counts[duration_bucket(duration)] = counts.get(duration_bucket(duration), 0) + 1
    return counts


def figures_from_tallies(now):
    stats = team_statistics(now=now)
    return stats.since, {
        "opened": sum(week.opened for week in stats.weeks),
        "escalated": sum(week.escalated for week in stats.weeks),
        "decided": (stats.decided, stats.decided_for_buyer),
        "median": stats.median_time_to_decision,
        "mediators": {row.mediator.pk: row.cells[1:] for row in mediator_rows(stats) if row.cells[1]},
        "stores": {
            row.store.pk: (
                row.orders,
                row.disputes,
                row.closed,
                row.closed_without_mediation,
                row.median_first_response,
            )
            for row in stats.sellers
        },
    }


@pytest.fixture
def realistic(team, mediator):
    """The team's decisions, plus a return gone wrong decided again, an accepted request, a
    withdrawal, an escalation still waiting, and disputes the sweep resolved."""
    busy, calm = team["busy"], team["calm"]
    returned = case(calm, escalated_at=T - 20 * DAY)
    services.decide_dispute(
        dispute=returned,
        mediator=mediator,
        decision=services.Decision.REFUND_AFTER_RETURN,
        amount=None,
        note="Send it back",
        now=T - 19 * DAY,
    )
    services.ship_return(
        dispute=returned, buyer=returned.buyer, carrier="dhl", tracking_number="1", now=T - 18 * DAY
    )
    services.report_return_problem(
        dispute=returned, seller=calm.owner, note="Empty box", evidence=[], now=T - 15 * DAY
    )
    services.decide_dispute(
        dispute=returned,
        mediator=User.objects.get(username="dora_decider"),
        decision=services.Decision.REJECT,
        amount=None,
        note="Empty",
        now=T - 12 * DAY,
    )
    accepted = open_case(busy, at=T - 5 * DAY)
    services.accept_request(dispute=accepted, seller=busy.owner, now=T - 4 * DAY - 3 * HOUR)
    withdrawn = open_case(calm, at=T - 6 * DAY)
    counter(withdrawn, at=T - 6 * DAY + 40 * timedelta(minutes=1))
    services.withdraw_dispute(dispute=withdrawn, buyer=withdrawn.buyer, now=T - 5 * DAY)
    case(StoreFactory(), escalated_at=T - DAY)
    for _ in range(2):
        open_case(busy, at=T - 30 * DAY)
    enforce_dispute_deadlines(now=T - DAY)
    # A year ago: outside the window, in the tallies all the same.
    case(calm, escalated_at=T - 400 * DAY)


def test_the_tallies_after_a_realistic_flow_say_what_the_rows_say(realistic):
    since, from_tallies = figures_from_tallies(T)

    expected = figures_from_rows(since)
    assert from_tallies == expected
    assert from_tallies["decided"] == (5, 3)


def test_rebuilding_the_tallies_from_the_history_gives_the_tallies_the_services_kept(realistic):
    kept = sorted(Tally.objects.values_list("name", "subject", "period", "bucket", "n"))

    tallies.rebuild_every_tally()

    assert sorted(Tally.objects.values_list("name", "subject", "period", "bucket", "n")) == kept


def test_the_migration_to_windows_replaces_the_weekly_times_to_decision(realistic):
    """0017 drops the weekly histograms of the times to decision and keeps them per window, as
    the services now add them: the figures read the same after it."""
    kept = sorted(Tally.objects.values_list("name", "subject", "period", "bucket", "n"))
    _since, figures = figures_from_tallies(T)
    assert figures["median"] is not None
    Tally.objects.filter(name=tallies.TO_DECISION).delete()
    Tally.objects.create(name="disputes.to_decision", subject=tallies.TEAM, period=T.date(), bucket=60, n=3)

    import_module("disputes.migrations.0017_to_decision_windows").fill(django_apps, None)

    assert not Tally.objects.filter(name="disputes.to_decision").exists()
    assert sorted(Tally.objects.values_list("name", "subject", "period", "bucket", "n")) == kept
    assert figures_from_tallies(T)[1] == figures
