"""The in-app list (bell, mark all read) and opening one notification, which is a read receipt."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from portal.notifications import services
from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


def notify(user, title: str, *, url: str = "/orders/", at, key: str = "") -> Notification:
    message = services.Message(
        kind="test.notice", title=title, body=f"About {title}.", url=url, dedupe_key=key or title
    )
    services.deliver(recipient=user, message=message, now=at)
    return Notification.objects.get(recipient=user, dedupe_key=key or title)


def open_url(notification: Notification) -> str:
    return reverse("notifications:open", kwargs={"pk": notification.pk})


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for response in (client.get(LIST), client.post(reverse("notifications:mark_all_read"))):
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_list_shows_only_my_notifications_newest_first_with_the_unread_count(
    client, buyer, other_buyer, now
):
    notify(buyer, "Older news", at=now)
    notify(buyer, "Newer news", at=now + timedelta(hours=1))
    notify(other_buyer, "Someone else's news", at=now)
    client.force_login(buyer)

    response = client.get(LIST)

    assert response.status_code == 200
    html = response.text
    assert html.index("Newer news") < html.index("Older news")
    assert "Someone else" not in html
    assert 'data-testid="notification-count"><span class="visually-hidden">Unread: </span>2<' in html


def test_an_empty_list_says_what_will_appear_there(client, buyer):
    client.force_login(buyer)

    assert "No notifications yet." in client.get(LIST).text


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, buyer, now):
    notification = notify(buyer, "Order shipped", url="/orders/AE-1/", at=now)
    client.force_login(buyer)

    response = client.post(open_url(notification))

    assert response.status_code == 302 and response.url == "/orders/AE-1/"
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    client.post(open_url(notification))
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_opening_is_a_post_a_get_changes_nothing(client, buyer, now):
    notification = notify(buyer, "Order shipped", at=now)
    client.force_login(buyer)

    assert client.get(open_url(notification)).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_stranger_cannot_open_someone_elses_notification(client, buyer, other_buyer, now):
    notification = notify(buyer, "Order shipped", at=now)
    client.force_login(other_buyer)

    assert client.post(open_url(notification)).status_code == 404
    assert client.post(reverse("notifications:open", kwargs={"pk": notification.pk + 100})).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_notification_pointing_off_site_opens_the_list_instead(client, buyer, now):
    notification = notify(buyer, "Odd link", url="https://elsewhere.example/", at=now)
    client.force_login(buyer)

    assert client.post(open_url(notification)).url == LIST


def test_mark_all_read_marks_only_mine_and_clears_the_bell(client, buyer, other_buyer, now):
    mine = [notify(buyer, f"News {n}", at=now) for n in range(3)]
    theirs = notify(other_buyer, "Their news", at=now)
    client.force_login(buyer)

    response = client.post(reverse("notifications:mark_all_read"), follow=True)

    assert "Marked 3 notifications as read." in response.text
    assert 'data-testid="notification-count"' not in response.text
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_is_a_post(client, buyer, now):
    notification = notify(buyer, "News", at=now)
    client.force_login(buyer)

    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_notification_that_asks_for_action_shows_the_deadline_and_the_step_until_it_passes(
    client, buyer, now
):
    message = services.Message(
        kind="test.notice",
        title="Order delivered",
        body="The carrier says it arrived.",
        url="/orders/AE-1/",
        dedupe_key="act",
        next_step="Confirm receipt or open a dispute.",
        act_by=now + timedelta(days=5),
        essential=True,
    )
    services.deliver(recipient=buyer, message=message, now=now)
    client.force_login(buyer)

    with time_machine.travel(now + timedelta(days=1), tick=False):
        before = client.get(LIST).text
    with time_machine.travel(now + timedelta(days=6), tick=False):
        after = client.get(LIST).text

    assert "Your move, by 6 Nov 2026, 12:00:" in before and "Confirm receipt or open a dispute." in before
    assert "Action needed" in before and 'class="countdown"' in before
    assert "Was due by 6 Nov 2026, 12:00:" in after and "Action needed" not in after
