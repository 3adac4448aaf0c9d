import pytest
from django.urls import reverse

from messaging.models import Conversation, Message, Party


def change_url(conversation: Conversation) -> str:
    return reverse("admin:messaging_conversation_change", args=[conversation.pk])


@pytest.mark.django_db
def test_a_mediator_reads_a_disputed_orders_conversation_in_the_admin(
    client, disputed_order, buyer, mediator, send
):
    conversation = send(disputed_order, buyer, "The parcel never came").conversation
    client.force_login(mediator)

    listing = client.get(reverse("admin:messaging_conversation_changelist"))
    page = client.get(change_url(conversation))

    assert disputed_order.number in listing.content.decode()
    assert page.status_code == 200
    assert "The parcel never came" in page.content.decode()
    assert 'id="mediator-message-form"' in page.content.decode()


@pytest.mark.django_db
def test_conversations_of_undisputed_orders_are_not_in_the_admin(client, order, buyer, mediator, send):
    conversation = send(order, buyer, "Just a question").conversation
    client.force_login(mediator)

    listing = client.get(reverse("admin:messaging_conversation_changelist"))
    page = client.get(change_url(conversation))

    assert order.number not in listing.content.decode()
    assert page.status_code == 302  # the admin's "does not exist" redirect


@pytest.mark.django_db
def test_nothing_in_a_conversation_can_be_changed_or_deleted_in_the_admin(
    client, disputed_order, buyer, superuser, send
):
    conversation = send(disputed_order, buyer, "Evidence").conversation
    client.force_login(superuser)

    page = client.get(change_url(conversation)).content.decode()
    delete = client.post(
        reverse("admin:messaging_conversation_delete", args=[conversation.pk]), {"post": "yes"}
    )

    assert 'name="_save"' not in page
    assert delete.status_code == 403
    assert Message.objects.filter(conversation=conversation).count() == 1


@pytest.mark.django_db
def test_a_mediator_posts_to_both_parties_from_the_admin(client, disputed_order, buyer, mediator, send):
    conversation = send(disputed_order, buyer, "Help").conversation
    client.force_login(mediator)

    response = client.post(
        reverse("admin:messaging_conversation_post", args=[conversation.pk]), {"body": "I am looking at it."}
    )

    assert response.status_code == 302
    message = Message.objects.filter(conversation=conversation).latest("id")
    assert (message.sender, message.sender_party, message.body) == (
        mediator,
        Party.MEDIATOR,
        "I am looking at it.",
    )


@pytest.mark.django_db
def test_a_party_cannot_enter_the_admin(client, disputed_order, buyer, send):
    conversation = send(disputed_order, buyer, "Help").conversation
    client.force_login(buyer)

    response = client.post(
        reverse("admin:messaging_conversation_post", args=[conversation.pk]), {"body": "x"}
    )

    assert response.status_code == 302 and "/admin/login/" in response.url
    assert Message.objects.filter(conversation=conversation).count() == 1
