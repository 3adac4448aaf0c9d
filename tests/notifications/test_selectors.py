"""What the pages read about a person's notifications."""

import pytest

from portal.notifications import services
from portal.notifications.selectors import unread_count
from tests.notifications.test_views import notify

pytestmark = pytest.mark.django_db


def test_the_unread_count_counts_only_my_unread_notifications(buyer, other_buyer, now):
    notify(buyer, "Unread", at=now)
    read = notify(buyer, "Read", at=now)
    services.mark_notification_read(notification=read, now=now)
    notify(other_buyer, "Someone else's", at=now)

    assert unread_count(buyer) == 1
    assert unread_count(other_buyer) == 1
