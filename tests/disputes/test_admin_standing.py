"""Abuse in the console: flagged buyers, and the blacklist with its recorded reasons."""

import pytest
from django.urls import reverse

from disputes import permissions, services
from disputes.models import BuyerStanding, BuyerStandingChange
from tests.disputes.test_admin import DAY, escalated_dispute, without_permission
from tests.factories import OrderFactory, UserFactory, mediator_user

pytestmark = pytest.mark.django_db

STANDINGS = reverse("admin:disputes_buyerstanding_changelist")


def set_url(buyer, change: str) -> str:
    return reverse("admin:disputes_buyerstanding_set", args=[buyer.pk, change])


@pytest.fixture
def mediator_client(client, mediator, time_machine, now):
    time_machine.move_to(now + 20 * DAY, tick=False)
    client.force_login(mediator)
    return client


def test_buyers_flagged_by_the_three_wins_rule_are_listed_first(mediator_client, buyer, other_buyer):
    BuyerStanding.objects.create(buyer=other_buyer, wins_in_a_row=1)
    BuyerStanding.objects.create(buyer=buyer, wins_in_a_row=3, flagged=True)

    html = mediator_client.get(STANDINGS).content.decode()
    flagged_only = mediator_client.get(STANDINGS, {"flagged__exact": "1"}).content.decode()

    assert html.index("bella_buyer") < html.index("oscar_other")
    assert "bella_buyer" in flagged_only and "oscar_other" not in flagged_only


def test_a_flagged_buyer_is_marked_on_the_case_page(mediator_client, order, now, buyer):
    dispute = escalated_dispute(order, at=now + 10 * DAY)
    BuyerStanding.objects.create(buyer=buyer, wins_in_a_row=3, flagged=True)

    html = mediator_client.get(reverse("admin:disputes_dispute_change", args=[dispute.pk])).content.decode()

    assert "Flagged: won 3 disputes in a row" in html
    assert set_url(buyer, "blacklist") in html


def test_a_mediator_blacklists_a_buyer_with_a_reason_and_lifts_it_again(
    mediator_client, mediator, buyer, now
):
    form = mediator_client.get(set_url(buyer, "blacklist"))
    assert form.status_code == 200 and "bella_buyer" in form.content.decode()

    response = mediator_client.post(set_url(buyer, "blacklist"), {"reason": "Serial false claims"})

    standing = BuyerStanding.objects.get(buyer=buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:disputes_buyerstanding_change", args=[standing.pk])
    assert (standing.blacklisted, standing.blacklist_reason, standing.blacklisted_by) == (
        True,
        "Serial false claims",
        mediator,
    )
    with pytest.raises(services.BuyerBlacklisted, match="Serial false claims"):
        permissions.check_can_open(order=OrderFactory(buyer=buyer), buyer=buyer, now=now + 20 * DAY)

    mediator_client.post(set_url(buyer, "lift"), {"reason": "Cleared after review"})

    standing.refresh_from_db()
    assert not standing.blacklisted
    changes = list(standing.changes.order_by("id").values_list("blacklisted", "reason", "actor"))
    assert changes == [
        (True, "Serial false claims", mediator.pk),
        (False, "Cleared after review", mediator.pk),
    ]
    page = mediator_client.get(response["Location"]).content.decode()
    assert "Serial false claims" in page and "Cleared after review" in page  # the history inline
    assert 'name="_save"' not in page


def test_a_blacklisting_needs_a_reason(mediator_client, buyer):
    response = mediator_client.post(set_url(buyer, "blacklist"), {"reason": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not BuyerStanding.objects.filter(buyer=buyer, blacklisted=True).exists()


def test_the_changelist_action_blacklists_the_selected_buyers_after_asking_why(
    mediator_client, buyer, other_buyer
):
    standings = [BuyerStanding.objects.create(buyer=user, flagged=True) for user in (buyer, other_buyer)]
    selected = {"action": "blacklist_buyers", "_selected_action": [s.pk for s in standings]}

    ask = mediator_client.post(STANDINGS, selected)
    assert ask.status_code == 200 and 'id="blacklist-form"' in ask.content.decode()
    assert not BuyerStanding.objects.filter(blacklisted=True).exists()

    done = mediator_client.post(
        STANDINGS, {**selected, "apply": "1", "reason": "Coordinated claims"}, follow=True
    )

    assert "2 buyers blacklisted" in done.content.decode()
    for standing in standings:
        standing.refresh_from_db()
        assert standing.blacklisted and standing.blacklist_reason == "Coordinated claims"
    assert BuyerStandingChange.objects.filter(standing__in=standings, blacklisted=True).count() == 2


def test_a_mediator_without_the_blacklist_permission_is_refused(client, buyer, time_machine, now):
    without_permission("blacklist_buyer")
    time_machine.move_to(now, tick=False)
    client.force_login(mediator_user())
    standing = BuyerStanding.objects.create(buyer=buyer)

    direct = client.post(set_url(buyer, "blacklist"), {"reason": "x"})
    listing = client.get(STANDINGS)

    assert direct.status_code == 403
    assert 'value="blacklist_buyers"' not in listing.content.decode()
    standing.refresh_from_db()
    assert not standing.blacklisted


def test_standings_and_their_history_cannot_be_edited_or_deleted(client, superuser, buyer, now, time_machine):
    time_machine.move_to(now, tick=False)
    standing = services.set_buyer_blacklisted(
        buyer=buyer, mediator=superuser, blacklisted=True, reason="Abuse", now=now
    )
    client.force_login(superuser)
    change_url = reverse("admin:disputes_buyerstanding_change", args=[standing.pk])

    edit = client.post(change_url, {"blacklisted": "", "blacklist_reason": ""})
    delete = client.post(reverse("admin:disputes_buyerstanding_delete", args=[standing.pk]), {"post": "yes"})
    add = client.get(reverse("admin:disputes_buyerstanding_add"))

    assert (edit.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    standing.refresh_from_db()
    assert standing.blacklisted and standing.changes.count() == 1


def test_anyone_without_a_standing_can_still_be_blacklisted(mediator_client):
    newcomer = UserFactory(username="nina_new")

    mediator_client.post(set_url(newcomer, "blacklist"), {"reason": "Fraud ring"})

    assert BuyerStanding.objects.get(buyer=newcomer).blacklisted
