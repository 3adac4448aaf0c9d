import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db.models import ProtectedError
from PIL import Image

from messaging import attachments, policy, selectors, services
from messaging.models import (
    Conversation,
    Message,
    MessageAttachment,
    Party,
    PermanentRecordError,
)
from portal.notifications.models import Notification
from tests.messaging.conftest import not_a_photo, photo, photo_bytes


# --- sending ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_buyers_first_message_starts_the_orders_conversation(order, buyer, now, send):
    message = send(order, buyer, "  Is this in stock?  ")

    conversation = Conversation.objects.get(order=order)
    assert message.conversation == conversation
    assert message.sender_party == Party.BUYER
    assert message.body == "Is this in stock?"
    assert message.created_at == now
    assert conversation.created_at == conversation.last_message_at == now


@pytest.mark.django_db
def test_the_sellers_reply_joins_the_same_conversation_and_moves_it_up_the_inbox(
    order, buyer, seller, now, send
):
    first = send(order, buyer, "Is this in stock?")
    reply = send(order, seller, "Yes, ships tomorrow.", after=timedelta(hours=2))

    assert reply.conversation_id == first.conversation_id
    assert reply.sender_party == Party.SELLER
    reply.conversation.refresh_from_db()
    assert reply.conversation.last_message_at == now + timedelta(hours=2)


@pytest.mark.django_db
def test_a_late_committing_older_message_does_not_move_the_inbox_back(order, buyer, seller, now, send):
    send(order, buyer, "Newer", after=timedelta(hours=2))
    message = send(order, seller, "Older", after=timedelta(hours=1))

    message.conversation.refresh_from_db()
    assert message.conversation.last_message_at == now + timedelta(hours=2)


@pytest.mark.django_db
@pytest.mark.parametrize("stranger", ["other_buyer", "other_seller", "mediator"])
def test_only_the_buyer_and_the_seller_can_send(order, stranger, request, send):
    with pytest.raises(services.NotAParticipant):
        send(order, request.getfixturevalue(stranger), "Hi")

    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["", "   \n  "])
def test_a_message_with_no_text_and_no_photos_is_refused(order, buyer, body, send):
    with pytest.raises(services.InvalidMessage):
        send(order, buyer, body)

    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_a_message_may_be_exactly_the_maximum_length_but_not_longer(order, buyer, send):
    assert len(send(order, buyer, "x" * policy.MAX_BODY_LENGTH).body) == policy.MAX_BODY_LENGTH

    with pytest.raises(services.InvalidMessage):
        send(order, buyer, "x" * (policy.MAX_BODY_LENGTH + 1))


# --- photos -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_photos_are_stored_privately_as_received_with_their_sha256(order, buyer, send):
    data = photo_bytes("JPEG", (64, 48))

    message = send(order, buyer, "", photos=[photo("IMG_0001.jpg")])

    [attachment] = message.attachments.all()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.file.name.startswith(f"messages/{message.conversation_id}/")
    assert attachment.file.name.endswith(".jpg")
    assert "IMG_0001" not in attachment.file.name
    with default_storage.open(attachment.file.name, "rb") as stored:
        assert stored.read() == data
    assert attachment.original_name == "IMG_0001.jpg"
    assert (attachment.content_type, attachment.size) == ("image/jpeg", len(data))
    assert (attachment.width, attachment.height) == (64, 48)
    assert attachment.status == MessageAttachment.Status.PROCESSING


@pytest.mark.django_db
@pytest.mark.parametrize(("fmt", "content_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_photos_are_accepted(order, buyer, fmt, content_type, send):
    message = send(order, buyer, "", photos=[photo("shot.bin", fmt)])

    [attachment] = message.attachments.all()
    assert attachment.content_type == content_type


@pytest.mark.django_db
def test_after_commit_each_photo_gets_a_reencoded_display_copy_and_thumbnail(
    order, buyer, send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(order, buyer, "Two angles", photos=[photo(size=(2000, 1000)), photo("b.png", "PNG")])

    attachments = list(message.attachments.order_by("id"))
    assert [a.status for a in attachments] == [MessageAttachment.Status.READY] * 2
    with attachments[0].display.open("rb") as display, Image.open(display) as image:
        assert image.format == "JPEG" and max(image.size) == policy.DISPLAY_IMAGE_MAX_SIDE
    with attachments[0].thumbnail.open("rb") as thumbnail, Image.open(thumbnail) as image:
        assert max(image.size) == policy.THUMBNAIL_SIDE


@pytest.mark.django_db
def test_processing_a_photo_twice_makes_its_copies_once(
    order, buyer, send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(order, buyer, "", photos=[photo()])
    attachment = message.attachments.get()

    again = attachments.process_attachment(attachment_id=attachment.pk)

    assert (again.display.name, again.thumbnail.name) == (attachment.display.name, attachment.thumbnail.name)


@pytest.mark.django_db
def test_a_photo_that_cannot_be_reencoded_is_marked_failed(order, buyer, send, monkeypatch):
    message = send(order, buyer, "", photos=[photo()])
    attachment = message.attachments.get()

    def broken(*args, **kwargs):
        raise OSError("truncated")

    monkeypatch.setattr("portal.uploads.make_image_derivatives", broken)
    attachments.process_attachment(attachment_id=attachment.pk)

    attachment.refresh_from_db()
    assert attachment.status == MessageAttachment.Status.FAILED


@pytest.mark.django_db
def test_up_to_five_photos_per_message(order, buyer, send):
    message = send(order, buyer, "", photos=[photo(f"{n}.jpg") for n in range(5)])

    assert message.attachments.count() == policy.MAX_PHOTOS_PER_MESSAGE


@pytest.mark.django_db
def test_six_photos_are_refused_and_nothing_is_stored(order, buyer, send):
    with pytest.raises(services.InvalidAttachments) as error:
        send(order, buyer, "Look", photos=[photo(f"{n}.jpg") for n in range(6)])

    assert "at most 5" in str(error.value)
    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_a_file_that_is_not_a_photo_is_refused_by_its_content_and_nothing_is_stored(order, buyer, send):
    with pytest.raises(services.InvalidAttachments) as error:
        send(order, buyer, "Invoice attached", photos=[photo("ok.jpg"), not_a_photo("invoice.jpg")])

    assert any("invoice.jpg" in message for message in error.value.messages)
    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_a_video_cannot_be_attached_to_a_message(order, buyer, send):
    from django.core.files.uploadedfile import SimpleUploadedFile

    video = SimpleUploadedFile(
        "clip.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64, content_type="video/mp4"
    )

    with pytest.raises(services.InvalidAttachments) as error:
        send(order, buyer, "", photos=[video])

    assert "only photos" in str(error.value)


# --- messages are evidence --------------------------------------------------------------------
@pytest.mark.django_db
def test_a_sent_message_can_never_be_edited(order, buyer, send):
    message = send(order, buyer, "Original words")

    message.body = "Something else"
    with pytest.raises(PermanentRecordError):
        message.save()
    with pytest.raises(PermanentRecordError):
        Message.objects.filter(pk=message.pk).update(body="Something else")
    with pytest.raises(PermanentRecordError):
        message.conversation.messages.update(body="Something else")

    message.refresh_from_db()
    assert message.body == "Original words"


@pytest.mark.django_db
def test_a_sent_message_can_never_be_deleted(order, buyer, send):
    message = send(order, buyer, "Original words")

    with pytest.raises(PermanentRecordError):
        message.delete()
    with pytest.raises(PermanentRecordError):
        Message.objects.filter(pk=message.pk).delete()
    with pytest.raises(ProtectedError):
        message.conversation.delete()

    assert Message.objects.filter(pk=message.pk).exists()


@pytest.mark.django_db
def test_a_sent_photo_can_never_be_replaced_or_deleted(order, buyer, send):
    attachment = send(order, buyer, "", photos=[photo()]).attachments.get()

    attachment.sha256 = "0" * 64
    with pytest.raises(PermanentRecordError):
        attachment.save()
    with pytest.raises(PermanentRecordError):
        attachment.save(update_fields=["sha256"])
    with pytest.raises(PermanentRecordError):
        attachment.delete()
    with pytest.raises(PermanentRecordError):
        MessageAttachment.objects.filter(pk=attachment.pk).delete()


# --- mediators --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_mediator_posts_into_a_disputed_orders_conversation(disputed_order, mediator, now):
    message = services.post_mediator_message(
        order=disputed_order, mediator=mediator, body="Please both upload the tracking page.", now=now
    )

    assert message.sender_party == Party.MEDIATOR
    assert message.conversation.order == disputed_order


@pytest.mark.django_db
def test_a_mediator_cannot_post_on_an_order_that_was_never_disputed(order, mediator, now):
    with pytest.raises(services.OrderNotDisputed):
        services.post_mediator_message(order=order, mediator=mediator, body="Hello", now=now)

    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff_non_mediator", "buyer", "seller"])
def test_only_a_user_who_may_mediate_posts_as_the_mediator(disputed_order, who, request, now):
    with pytest.raises(services.NotAParticipant):
        services.post_mediator_message(
            order=disputed_order, mediator=request.getfixturevalue(who), body="Hello", now=now
        )


@pytest.mark.django_db
def test_a_mediators_empty_message_is_refused(disputed_order, mediator, now):
    with pytest.raises(services.InvalidMessage):
        services.post_mediator_message(order=disputed_order, mediator=mediator, body="  ", now=now)


# --- unread counts and read receipts ----------------------------------------------------------
@pytest.mark.django_db
def test_messages_from_the_other_side_are_unread_until_the_conversation_is_opened(
    order, buyer, seller, now, send
):
    message = send(order, buyer, "One")
    send(order, buyer, "Two", after=timedelta(minutes=1))

    assert selectors.unread_messages(seller).count() == 2
    assert selectors.unread_messages(buyer).count() == 0

    services.mark_conversation_read(
        conversation=message.conversation, user=seller, now=now + timedelta(minutes=2)
    )

    assert selectors.unread_messages(seller).count() == 0
    send(order, buyer, "Three", after=timedelta(minutes=3))
    assert selectors.unread_messages(seller).count() == 1


@pytest.mark.django_db
def test_replying_counts_as_having_read_the_thread(order, buyer, seller, send):
    send(order, buyer, "Question")
    send(order, seller, "Answer", after=timedelta(minutes=5))

    assert selectors.unread_messages(seller).count() == 0
    assert selectors.unread_messages(buyer).count() == 1


@pytest.mark.django_db
def test_a_late_read_receipt_never_moves_the_read_position_back(order, buyer, seller, now, send):
    conversation = send(order, buyer, "One").conversation
    services.mark_conversation_read(conversation=conversation, user=seller, now=now + timedelta(hours=1))
    send(order, buyer, "Two", after=timedelta(hours=2))

    # A page opened before the first receipt, whose receipt comes last.
    services.mark_conversation_read(conversation=conversation, user=seller, now=now + timedelta(minutes=30))

    assert selectors.last_read_at(conversation=conversation, user=seller) == now + timedelta(hours=1)
    assert selectors.unread_messages(seller).count() == 1


@pytest.mark.django_db
def test_opening_a_conversation_with_nothing_unread_again_writes_nothing(
    order, buyer, seller, now, send, django_assert_num_queries
):
    conversation = send(order, buyer, "One").conversation
    services.mark_conversation_read(conversation=conversation, user=seller, now=now + timedelta(hours=1))

    # Whether the seller's side has anything unread, and nothing else: no lock, no receipt moved.
    with django_assert_num_queries(1):
        services.mark_conversation_read(conversation=conversation, user=seller, now=now + timedelta(hours=2))

    assert selectors.last_read_at(conversation=conversation, user=seller) == now + timedelta(hours=1)
    send(order, buyer, "Two", after=timedelta(hours=3))
    assert selectors.unread_messages(seller).count() == 1


@pytest.mark.django_db
def test_the_first_read_receipt_is_written(order, buyer, seller, now, send):
    conversation = send(order, buyer, "One").conversation
    assert selectors.last_read_at(conversation=conversation, user=seller) is None

    services.mark_conversation_read(conversation=conversation, user=seller, now=now)

    assert selectors.last_read_at(conversation=conversation, user=seller) == now
    assert selectors.unread_messages(seller).count() == 0


@pytest.mark.django_db
def test_a_mediators_message_is_unread_for_both_parties(disputed_order, buyer, seller, mediator, now):
    services.post_mediator_message(order=disputed_order, mediator=mediator, body="Hello both", now=now)

    assert selectors.unread_messages(buyer).count() == 1
    assert selectors.unread_messages(seller).count() == 1


@pytest.mark.django_db
def test_a_stranger_has_no_read_receipt_to_mark(order, buyer, other_buyer, now, send):
    conversation = send(order, buyer, "One").conversation

    with pytest.raises(services.NotAParticipant):
        services.mark_conversation_read(conversation=conversation, user=other_buyer, now=now)


# --- notifications ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_other_side_is_notified_after_commit_and_only_once(
    order, buyer, seller, send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(order, buyer, "Is the blue one available?")

    notice = Notification.objects.get(recipient=seller, dedupe_key=f"message:{message.pk}")
    assert order.number in notice.title
    assert "Is the blue one available?" in notice.body
    assert notice.url == f"/messages/{order.number}/"
    assert not notice.essential
    assert not Notification.objects.filter(recipient=buyer).exists()
    assert [m.to for m in mail.outbox] == [[seller.email]]

    from messaging.tasks import notify_new_message

    notify_new_message(message_id=message.pk)
    assert Notification.objects.filter(recipient=seller, dedupe_key=f"message:{message.pk}").count() == 1


@pytest.mark.django_db
def test_the_seller_is_named_by_the_store_in_the_buyers_notification(
    order, seller, buyer, send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(order, seller, "", photos=[photo()])

    notice = Notification.objects.get(recipient=buyer, dedupe_key=f"message:{message.pk}")
    assert notice.body == "Sam's Gadgets wrote: (photos)"


@pytest.mark.django_db
def test_a_mediators_message_notifies_both_parties(
    disputed_order, buyer, seller, mediator, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.post_mediator_message(
            order=disputed_order, mediator=mediator, body="Hello both", now=now
        )

    recipients = set(
        Notification.objects.filter(dedupe_key=f"message:{message.pk}").values_list("recipient", flat=True)
    )
    assert recipients == {buyer.pk, seller.pk}
