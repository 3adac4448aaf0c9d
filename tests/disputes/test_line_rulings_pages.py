"""Deciding line by line on the admin case page, and the breakdown on both parties' pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import LineRuling
from orders.models import Refund
from tests.factories import open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def dispute(order, now, seller, buyer):
    order = ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY, reason="damaged", amount=Decimal("60.00"))
    services.reject_request(dispute=dispute, seller=seller, note="Fine", evidence=[], now=now + 9 * DAY)
    return services.escalate_dispute(dispute=dispute, user=buyer, note="Broken", now=now + 10 * DAY)


@pytest.fixture
def lines(order):
    return tuple(order.items.order_by("id"))


def case_url(dispute):
    return reverse("admin:disputes_dispute_change", args=[dispute.pk])


def post_lines(
    client, dispute, lines, earbuds=("refund", "40.00"), cases=("nothing", ""), note="Cracked earbuds"
):
    earbud_line, case_line = lines
    return client.post(
        reverse("admin:disputes_dispute_decide_lines", args=[dispute.pk]),
        {
            f"remedy_{earbud_line.pk}": earbuds[0],
            f"amount_{earbud_line.pk}": earbuds[1],
            f"remedy_{case_line.pk}": cases[0],
            f"amount_{case_line.pk}": cases[1],
            "note": note,
        },
    )


def test_the_case_page_offers_a_line_by_line_decision(client, dispute, mediator, lines):
    client.force_login(mediator)

    html = client.get(case_url(dispute)).content.decode()

    assert "Decide line by line" in html
    assert f'name="remedy_{lines[0].pk}"' in html and f'name="amount_{lines[1].pk}"' in html
    assert "at most 20.00 USD" in html


def test_a_mediator_decides_line_by_line_from_the_case_page(client, dispute, mediator, lines):
    client.force_login(mediator)

    response = post_lines(client, dispute, lines)

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.state, dispute.refund_amount) == ("resolved_buyer", Decimal("40.00"))
    assert LineRuling.objects.filter(dispute=dispute).count() == 2


def test_a_line_above_its_total_is_shown_next_to_that_lines_amount(client, dispute, mediator, lines):
    client.force_login(mediator)

    response = post_lines(client, dispute, lines, cases=("refund", "25.00"))

    assert response.status_code == 400
    html = response.content.decode()
    error = html.index("Enter an amount between 0.01 and 20.00 USD, this line")
    assert (
        html.index(f'name="remedy_{lines[1].pk}"') < error < html.index(f'id="id_lines_amount_{lines[1].pk}"')
    )
    assert not LineRuling.objects.filter(dispute=dispute).exists()
    assert not Refund.objects.filter(dispute=dispute).exists()


def test_a_refund_without_an_amount_is_refused_next_to_the_field(client, dispute, mediator, lines):
    client.force_login(mediator)

    response = post_lines(client, dispute, lines, earbuds=("refund", ""))

    assert response.status_code == 400
    assert "Enter the amount for this line." in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.state == "in_mediation"


def test_both_parties_see_the_breakdown_and_the_lines_to_return(
    client, dispute, mediator, buyer, seller, lines, now
):
    earbuds, cases = lines
    services.decide_dispute_by_lines(
        dispute=dispute,
        mediator=mediator,
        lines=[
            services.LineDecision(earbuds.pk, LineRuling.Remedy.REFUND_AFTER_RETURN, Decimal("40.00")),
            services.LineDecision(cases.pk, LineRuling.Remedy.REFUND, Decimal("5.00")),
        ],
        note="Return the earbuds; one case was scuffed",
        now=now + 12 * DAY,
    )

    for user in (buyer, seller):
        client.force_login(user)
        html = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
        assert "The decision, line by line" in html
        assert "Refund after this line is returned" in html and "40.00 USD" in html and "5.00 USD" in html
        assert "45.00 USD" in html
        assert (
            "Only these items go back to the seller" in html
            and "<strong>1 × Wireless earbuds</strong>" in html
        )
