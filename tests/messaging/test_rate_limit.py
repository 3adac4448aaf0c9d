"""Messages are limited per sender and window: over it, the form says until when, nothing is stored."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from messaging import policy, services
from messaging.models import Message, MessageAttachment
from tests.messaging.conftest import photo

pytestmark = pytest.mark.django_db


def fill_the_window(send, order, sender) -> None:
    for number in range(policy.MAX_MESSAGES_PER_WINDOW):
        send(order, sender, f"Message {number}", after=timedelta(seconds=number))


def test_the_message_over_the_limit_is_refused_and_not_stored(send, order, buyer):
    fill_the_window(send, order, buyer)

    with pytest.raises(services.TooManyMessages) as refused:
        send(order, buyer, "One too many", photos=[photo()], after=timedelta(minutes=1))

    assert policy.MAX_MESSAGES_PER_WINDOW == 30
    assert re.fullmatch(
        r"You have sent 30 messages in a short time\. Please wait and send this after \d\d:\d\d\.",
        str(refused.value),
    )
    assert not Message.objects.filter(body="One too many").exists()
    assert not MessageAttachment.objects.filter(message__conversation__order=order).exists()


def test_the_limit_is_per_sender(send, order, buyer, seller):
    fill_the_window(send, order, buyer)

    reply = send(order, seller, "Sorry for the wait", after=timedelta(minutes=1))

    assert reply.pk is not None


def test_a_refused_message_does_not_use_up_the_share(send, order, buyer):
    for number in range(policy.MAX_MESSAGES_PER_WINDOW - 1):
        send(order, buyer, f"Message {number}")
    with pytest.raises(services.InvalidMessage):
        send(order, buyer, "x" * (policy.MAX_BODY_LENGTH + 1))

    last = send(order, buyer, "The last one that fits")

    assert last.body == "The last one that fits"


def test_the_next_window_accepts_messages_again(send, order, buyer):
    fill_the_window(send, order, buyer)

    later = send(order, buyer, "Back again", after=policy.MESSAGE_RATE_WINDOW + timedelta(minutes=1))

    assert later.body == "Back again"


def test_the_page_shows_the_limit_next_to_the_message_field(client, order, buyer, now, time_machine):
    time_machine.move_to(now, tick=False)
    client.force_login(buyer)
    url = reverse("messaging:conversation", kwargs={"order_number": order.number})
    for number in range(policy.MAX_MESSAGES_PER_WINDOW):
        assert client.post(url, {"body": f"Message {number}"}).status_code == 302

    response = client.post(url, {"body": "Anyone there?"})

    assert response.status_code == 400
    assert response.context["form"].errors["body"][0].startswith("You have sent 30 messages in a short time.")
    assert not Message.objects.filter(body="Anyone there?").exists()
