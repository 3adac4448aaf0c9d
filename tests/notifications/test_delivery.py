"""Delivery is after commit, by a Celery job, and idempotent: one event, one notification, one e-mail
per recipient, however often the job runs; an e-mail that failed to send goes on the next run."""

import smtplib
from datetime import timedelta

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from orders.models import OrderEvent
from portal.notifications import services
from portal.notifications.models import Notification
from portal.notifications.tasks import notify_event
from tests.factories import OrderFactory, ship
from tests.notifications.conftest import mails_to
from tests.notifications.test_dispute_emails import opened

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def test_notifications_are_queued_as_a_celery_job_after_commit(
    order, buyer, now, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ship(order, at=now + DAY)

    assert mailoutbox == [] and not Notification.objects.exists()
    # Each hook sends one outbox message: portal.outbox.services._send_first bound to (task, id).
    (job,) = [c for c in callbacks if getattr(c, "args", ())[:1] == (notify_event,)]
    job()
    assert [m.subject for m in mails_to(mailoutbox, buyer)] == [f"Order {order.number} has shipped"]


def test_a_rolled_back_action_tells_nobody(order, now, django_capture_on_commit_callbacks, mailoutbox):
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abort), transaction.atomic():
        ship(order, at=now + DAY)
        raise Abort

    assert mailoutbox == [] and not Notification.objects.exists()


def test_an_order_event_delivered_twice_makes_one_notification_and_one_email(
    order, buyer, now, jobs, mailoutbox
):
    with jobs():
        ship(order, at=now + DAY)
    event = OrderEvent.objects.get(order=order, type=OrderEvent.Type.SHIPPED)

    notify_event(event_label="orders.orderevent", event_id=event.pk)
    notify_event(event_label="orders.orderevent", event_id=event.pk)

    assert Notification.objects.filter(recipient=buyer, dedupe_key=f"order-event:{event.pk}").count() == 1
    assert len(mails_to(mailoutbox, buyer)) == 1


def test_a_dispute_event_delivered_twice_makes_one_notification_and_one_email_each(
    order, seller, now, jobs, mailoutbox
):
    with jobs():
        dispute = opened(order, now + 10 * DAY)
    event = dispute.events.get(type="opened")

    notify_event(event_label="disputes.disputeevent", event_id=event.pk)

    assert Notification.objects.filter(dedupe_key=f"dispute-event:{event.pk}").count() == 1
    assert len(mails_to(mailoutbox, seller)) == 1


def test_one_job_tells_about_each_event_and_one_that_fails_keeps_no_other_from_its_recipient(
    now, jobs, mailoutbox, monkeypatch
):
    first, second = OrderFactory(), OrderFactory()
    with jobs():
        ship(first, at=now + DAY)
        ship(second, at=now + DAY)
    shipped = [OrderEvent.objects.get(order=o, type=OrderEvent.Type.SHIPPED) for o in (first, second)]
    mailoutbox.clear()
    Notification.objects.all().delete()
    real_deliver = services.deliver

    def refuse_first_buyer(*, recipient, message, now):
        if recipient == first.buyer:
            raise smtplib.SMTPServerDisconnected("mail server went away")
        real_deliver(recipient=recipient, message=message, now=now)

    monkeypatch.setattr(services, "deliver", refuse_first_buyer)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        notify_event(event_label="orders.orderevent", event_ids=[e.pk for e in shipped])

    assert mails_to(mailoutbox, first.buyer) == []
    assert [m.subject for m in mails_to(mailoutbox, second.buyer)] == [f"Order {second.number} has shipped"]

    monkeypatch.setattr(services, "deliver", real_deliver)
    notify_event(event_label="orders.orderevent", event_ids=[e.pk for e in shipped])  # the repeat

    assert len(mails_to(mailoutbox, first.buyer)) == len(mails_to(mailoutbox, second.buyer)) == 1


def test_a_job_for_a_vanished_event_does_nothing(db, mailoutbox):
    notify_event(event_label="orders.orderevent", event_id=987654)
    notify_event(event_label="disputes.disputeevent", event_id=987654)

    assert mailoutbox == [] and not Notification.objects.exists()


def test_an_email_the_mail_server_refused_is_sent_by_the_next_delivery_and_only_once(
    order, buyer, now, mailoutbox, monkeypatch
):
    message = services.Message(
        kind="test.notice", title="Order shipped", body="It is on its way.", url="/orders/", dedupe_key="t:1"
    )
    real_send = EmailMultiAlternatives.send
    refusals = [smtplib.SMTPServerDisconnected("down")]

    def flaky_send(self, *args, **kwargs):
        if refusals:
            raise refusals.pop()
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.deliver(recipient=buyer, message=message, now=now)
    notification = Notification.objects.get(recipient=buyer, dedupe_key="t:1")
    assert notification.emailed_at is None and mailoutbox == []

    assert services.deliver(recipient=buyer, message=message, now=now + DAY) is None
    assert services.deliver(recipient=buyer, message=message, now=now + 2 * DAY) is None

    assert [m.subject for m in mailoutbox] == ["Order shipped"]
    notification.refresh_from_db()
    assert notification.emailed_at == now + DAY
    assert Notification.objects.filter(recipient=buyer, dedupe_key="t:1").count() == 1


def test_an_email_carries_the_auto_submitted_header_so_auto_replies_stay_quiet(
    order, buyer, now, jobs, mailoutbox
):
    with jobs():
        ship(order, at=now + DAY)

    (mail,) = mailoutbox
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"
