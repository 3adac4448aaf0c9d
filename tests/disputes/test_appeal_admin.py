"""The appeals queue in the mediation console: the first mediator may read an appeal but not take
or decide it; a second mediator takes and decides it with errors next to the fields; the case page
and the statistics show appeals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from disputes import services
from disputes.models import Appeal, AppealEvent
from orders.models import Refund
from tests.factories import evidence_files, mediator_user, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def appeal(order, now, seller, buyer, mediator):
    """Decided for the seller by ``mediator``, appealed by the buyer, answered by the seller."""
    order = ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY, amount=Decimal("60.00"))
    services.reject_request(dispute=dispute, seller=seller, note="Delivered", evidence=[], now=now + 9 * DAY)
    services.escalate_dispute(dispute=dispute, user=buyer, note="Never came", now=now + 10 * DAY)
    services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=services.Decision.REJECT,
        amount=None,
        note="Tracked",
        now=now + 12 * DAY,
    )
    appeal = services.file_appeal(
        dispute=dispute, user=buyer, reason="Empty box", files=evidence_files("scale.jpg"), now=now + 13 * DAY
    )
    return services.answer_appeal(
        appeal=appeal, user=seller, text="It was full", files=[], now=now + 14 * DAY
    )


@pytest.fixture
def second(db):
    return mediator_user(username="nick_second", first_name="Nick")


def test_the_first_mediator_reads_the_appeal_but_gets_no_buttons(client, appeal, mediator):
    client.force_login(mediator)

    html = client.get(reverse("admin:disputes_appeal_change", args=[appeal.pk])).content.decode()

    assert "You decided this dispute: a different mediator must take and decide its appeal." in html
    assert reverse("admin:disputes_appeal_take", args=[appeal.pk]) not in html
    assert reverse("admin:disputes_appeal_decide", args=[appeal.pk]) not in html
    assert "Empty box" in html and "It was full" in html


def test_the_first_mediator_posting_take_or_decide_is_refused_and_nothing_changes(client, appeal, mediator):
    client.force_login(mediator)

    take = client.post(reverse("admin:disputes_appeal_take", args=[appeal.pk]))
    decide = client.post(
        reverse("admin:disputes_appeal_decide", args=[appeal.pk]), {"decision": "full_refund", "note": "Mine"}
    )

    for response in (take, decide):
        assert response.status_code == 302
        assert any("a different mediator" in str(m) for m in get_messages(response.wsgi_request))
    appeal.refresh_from_db()
    assert (appeal.state, appeal.assigned_mediator, appeal.decided_by) == ("in_review", None, None)
    assert not Refund.objects.filter(dispute=appeal.dispute).exists()


def test_a_second_mediator_takes_and_decides_for_the_buyer(client, appeal, second):
    client.force_login(second)

    client.post(reverse("admin:disputes_appeal_take", args=[appeal.pk]))
    response = client.post(
        reverse("admin:disputes_appeal_decide", args=[appeal.pk]),
        {"decision": "full_refund", "note": "The scale photo shows 40 g"},
    )

    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.state, appeal.outcome, appeal.assigned_mediator, appeal.decided_by) == (
        "decided",
        "for_buyer",
        second,
        second,
    )
    assert Refund.objects.get(dispute=appeal.dispute).amount == Decimal("60.00")
    assert appeal.events.filter(type=AppealEvent.Type.ASSIGNED, actor=second).exists()
    html = client.get(reverse("admin:disputes_appeal_change", args=[appeal.pk])).content.decode()
    assert "the difference of 60.00 USD is refunded to the buyer" in html


def test_a_total_above_what_was_paid_is_shown_next_to_the_amount_and_nothing_stored(client, appeal, second):
    client.force_login(second)

    response = client.post(
        reverse("admin:disputes_appeal_decide", args=[appeal.pk]),
        {"decision": "partial_refund", "amount": "60.01", "note": "More"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a total refund between 0.01 and 60.00 USD." in html
    assert html.index("Enter a total refund") < html.index('id="id_appeal_amount"')
    appeal.refresh_from_db()
    assert appeal.state == "in_review"


def test_staff_who_are_not_mediators_cannot_open_appeals(client, appeal, staff_non_mediator):
    client.force_login(staff_non_mediator)

    response = client.get(reverse("admin:disputes_appeal_change", args=[appeal.pk]))

    assert response.status_code in (302, 403)
    assert Appeal.objects.get(pk=appeal.pk).assigned_mediator is None


def test_the_case_page_links_the_appeal_and_the_statistics_count_it(client, appeal, mediator, second):
    services.decide_appeal(
        appeal=appeal,
        mediator=second,
        decision=services.AppealDecision.UPHOLD,
        amount=None,
        note="Stands",
        now=appeal.filed_at + 3 * DAY,
    )
    client.force_login(mediator)

    case = client.get(reverse("admin:disputes_dispute_change", args=[appeal.dispute_id])).content.decode()
    stats = client.get(reverse("admin:disputes_dispute_statistics")).content.decode()

    assert reverse("admin:disputes_appeal_change", args=[appeal.pk]) in case
    assert 'id="stats-appeals"' in stats
    row = stats[stats.index('id="stats-appeals"') :]
    assert "Maria" in row and "100.0% <span" in row and "0.0% <span" in row
