"""Reminders 48 h and 24 h before a dispute deadline reach the party who must act exactly once
each, however often the sweep runs, and after an outage at most one late reminder is sent."""

from datetime import timedelta

import pytest

from portal.notifications.models import Notification
from tests.notifications.conftest import mails_to
from tests.notifications.test_dispute_emails import opened

pytestmark = pytest.mark.django_db

HOUR, DAY, SECOND = timedelta(hours=1), timedelta(days=1), timedelta(seconds=1)


@pytest.fixture
def dispute(order, now):
    """Waiting on the seller, whose deadline is 15 days after opening."""
    return opened(order, now + 10 * DAY)


def reminder_mails(mailoutbox, user, dispute) -> list:
    subject = f"Reminder: dispute {dispute.reference} needs your action"
    return [m for m in mails_to(mailoutbox, user) if m.subject == subject]


def reminder_notifications(user):
    return Notification.objects.filter(recipient=user, kind="dispute.reminder_sent").order_by("id")


def test_repeated_sweeps_send_each_reminder_exactly_once(dispute, seller, buyer, sweep, mailoutbox):
    deadline = dispute.deadline_at

    for at in [deadline - 48 * HOUR - SECOND] + [deadline - 48 * HOUR] * 3 + [deadline - 30 * HOUR]:
        sweep(at)
    assert len(reminder_mails(mailoutbox, seller, dispute)) == 1
    for at in [deadline - 24 * HOUR] * 3 + [deadline - HOUR, deadline - SECOND]:
        sweep(at)

    sent = reminder_mails(mailoutbox, seller, dispute)
    assert [("48 hours left" in m.body, "24 hours left" in m.body) for m in sent] == [
        (True, False),
        (False, True),
    ]
    assert reminder_notifications(seller).count() == 2
    assert all(n.essential and n.act_by == deadline for n in reminder_notifications(seller))
    assert reminder_mails(mailoutbox, buyer, dispute) == [] and not reminder_notifications(buyer).exists()


def test_after_an_outage_over_both_moments_one_reminder_is_sent_once(dispute, seller, sweep, mailoutbox):
    deadline = dispute.deadline_at
    sweep(deadline - 72 * HOUR)

    # The worker was down from 72 h before until 20 h before the deadline.
    sweep(deadline - 20 * HOUR)
    sweep(deadline - 20 * HOUR)
    sweep(deadline - 2 * HOUR)

    (mail,) = reminder_mails(mailoutbox, seller, dispute)
    # The late reminder tells the time really left, not the moment it should have gone out.
    assert "20 hours left" in mail.body
    assert reminder_notifications(seller).count() == 1


def test_an_outage_between_the_reminders_sends_the_second_late_and_once(dispute, seller, sweep, mailoutbox):
    deadline = dispute.deadline_at
    sweep(deadline - 48 * HOUR)

    sweep(deadline - 3 * HOUR)
    sweep(deadline - 2 * HOUR)

    assert len(reminder_mails(mailoutbox, seller, dispute)) == 2


def test_an_outage_past_the_deadline_sends_no_reminder_only_the_outcome(
    dispute, seller, buyer, sweep, mailoutbox
):
    sweep(dispute.deadline_at + 5 * HOUR)
    sweep(dispute.deadline_at + 6 * HOUR)

    assert reminder_mails(mailoutbox, seller, dispute) == []
    assert [m.subject for m in mails_to(mailoutbox, seller)] == [
        f"Dispute {dispute.reference}: a deadline passed"
    ]
    assert Notification.objects.filter(kind="dispute.auto_resolved").count() == 2


def test_a_russian_party_is_reminded_in_russian(russian_buyer, store, now, sweep, mailoutbox):
    from tests.factories import OrderFactory
    from tests.notifications.test_dispute_emails import countered

    order = OrderFactory(buyer=russian_buyer, store=store, paid_at=now)
    dispute = countered(order, now + 10 * DAY)

    sweep(dispute.deadline_at - 24 * HOUR)

    (mail,) = mails_to(mailoutbox, russian_buyer)
    assert mail.subject == f"Напоминание: спор {dispute.reference} ждёт ваших действий"
    assert f"До срока по спору {dispute.reference} осталось 24 часа." in mail.body
