import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from messaging import policy, services
from messaging.models import Conversation, Message, MessageAttachment
from tests.factories import OrderFactory
from tests.messaging.conftest import not_a_photo, photo

REMINDER = "Agreements made in chat do not count — only what is in the dispute does."


def conversation_url(order) -> str:
    return reverse("messaging:conversation", kwargs={"order_number": order.number})


def attachment_url(attachment, variant: str = "display") -> str:
    return reverse("messaging:attachment", args=[attachment.public_id, variant])


def field_errors(response, field: str) -> list[str]:
    """The error texts crispy renders right under ``field``."""
    html = response.content.decode()
    return re.findall(rf'id="error_\d+_id_{field}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)


@pytest.fixture
def ready_photo(order, buyer, send, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(order, buyer, "See the scratch", photos=[photo()])
    return message.attachments.get()


# --- anonymous and strangers ------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["inbox", "conversation"])
def test_anonymous_visitors_are_sent_to_log_in(client, order, url_name):
    url = reverse("messaging:inbox") if url_name == "inbox" else conversation_url(order)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("stranger", ["other_buyer", "other_seller", "mediator"])
def test_a_stranger_cannot_read_a_conversation_it_is_a_404(client, order, buyer, stranger, request, send):
    send(order, buyer, "Private words")
    client.force_login(request.getfixturevalue(stranger))

    response = client.get(conversation_url(order))

    assert response.status_code == 404
    assert b"Private words" not in response.content


@pytest.mark.django_db
def test_a_missing_order_looks_exactly_like_someone_elses(client, other_buyer):
    client.force_login(other_buyer)

    assert client.get("/messages/AE-DOES-NOT-EXIST/").status_code == 404


@pytest.mark.django_db
def test_a_stranger_cannot_post_into_a_conversation(client, order, other_buyer):
    client.force_login(other_buyer)

    response = client.post(conversation_url(order), {"body": "Let me in"})

    assert response.status_code == 404
    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("stranger", ["other_buyer", "other_seller", "staff_non_mediator"])
def test_a_stranger_cannot_see_a_photo(client, ready_photo, stranger, request):
    client.force_login(request.getfixturevalue(stranger))

    assert client.get(attachment_url(ready_photo)).status_code == 404
    assert client.get(attachment_url(ready_photo, "thumb")).status_code == 404


@pytest.mark.django_db
def test_a_mediator_sees_photos_only_once_the_order_is_disputed(client, ready_photo, mediator):
    client.force_login(mediator)

    assert client.get(attachment_url(ready_photo)).status_code == 404


@pytest.mark.django_db
def test_a_mediator_sees_the_photos_of_a_disputed_order(
    client, disputed_order, buyer, mediator, send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attachment = send(disputed_order, buyer, "", photos=[photo()]).attachments.get()
    client.force_login(mediator)

    assert client.get(attachment_url(attachment)).status_code == 200


# --- photos are served as re-encoded copies ---------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_both_parties_see_the_reencoded_copies_never_the_original(client, ready_photo, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get(attachment_url(ready_photo, "thumb"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert "private" in response["Cache-Control"]
    served = b"".join(response.streaming_content)
    with ready_photo.thumbnail.open("rb") as thumbnail:
        assert served == thumbnail.read()
    with ready_photo.file.open("rb") as original:
        assert served != original.read()


@pytest.mark.django_db
def test_only_the_display_and_thumbnail_variants_exist(client, ready_photo, buyer):
    client.force_login(buyer)

    assert client.get(attachment_url(ready_photo, "original")).status_code == 404


@pytest.mark.django_db
def test_a_photo_still_processing_is_not_served(client, order, buyer, send):
    attachment = send(order, buyer, "", photos=[photo()]).attachments.get()
    client.force_login(buyer)

    assert client.get(attachment_url(attachment)).status_code == 404


# --- the conversation page --------------------------------------------------------------------
@pytest.mark.django_db
def test_a_buyer_can_open_the_conversation_before_anyone_wrote(client, order, buyer):
    client.force_login(buyer)

    response = client.get(conversation_url(order))

    assert response.status_code == 200
    content = response.content.decode()
    assert REMINDER in content
    assert "Conversation with Sam&#x27;s Gadgets" in content
    assert 'accept="image/jpeg,image/png,image/webp"' in content
    assert re.search(r'<input type="file"[^>]*multiple', content)
    assert 'enctype="multipart/form-data"' in content
    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_the_buyer_sends_a_message_with_photos(
    client, order, buyer, seller, django_capture_on_commit_callbacks
):
    client.force_login(buyer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            conversation_url(order),
            {"body": "It arrived scratched.", "photos": [photo("a.jpg"), photo("b.png", "PNG")]},
        )

    assert response.status_code == 302
    assert response.url == f"{conversation_url(order)}#latest"
    message = Message.objects.get(conversation__order=order)
    assert message.sender == buyer and message.body == "It arrived scratched."
    attachments = list(message.attachments.order_by("id"))
    assert [a.original_name for a in attachments] == ["a.jpg", "b.png"]

    page = client.get(response.url).content.decode()
    assert "It arrived scratched." in page
    for attachment in attachments:
        assert attachment_url(attachment, "thumb") in page
        assert attachment_url(attachment, "display") in page


@pytest.mark.django_db
def test_the_thread_reads_oldest_first_with_own_messages_on_the_right(client, order, buyer, seller, send):
    send(order, buyer, "First from buyer")
    send(order, seller, "Then the seller", after=timedelta(minutes=1))
    client.force_login(buyer)

    content = client.get(conversation_url(order)).content.decode()

    assert content.index("First from buyer") < content.index("Then the seller")
    own = re.search(r'<li class="row g-0 mb-3 justify-content-end"[^>]*>.*?</li>', content, re.S).group(0)
    assert "First from buyer" in own and "Then the seller" not in own


@pytest.mark.django_db
def test_times_are_shown_in_the_viewers_time_zone(client, order, buyer, seller, send):
    send(order, seller, "Shipped today")
    buyer.time_zone = "Asia/Tokyo"
    buyer.save()
    client.force_login(buyer)

    content = client.get(conversation_url(order)).content.decode()

    assert "1 Nov 2026, 21:00" in content


@pytest.mark.django_db
def test_opening_the_conversation_marks_it_read(client, order, buyer, seller, send):
    send(order, buyer, "Any news?")
    client.force_login(seller)
    assert 'data-testid="message-count"' in client.get(reverse("messaging:inbox")).content.decode()

    first = client.get(conversation_url(order)).content.decode()
    again = client.get(conversation_url(order)).content.decode()

    assert 'data-testid="unread-divider"' in first
    assert 'data-testid="unread-divider"' not in again
    assert 'data-testid="message-count"' not in again


@pytest.mark.django_db
def test_a_mediators_message_is_highlighted_for_both_parties(client, disputed_order, buyer, mediator, now):
    services.post_mediator_message(order=disputed_order, mediator=mediator, body="Mediator here", now=now)
    client.force_login(buyer)

    content = client.get(conversation_url(disputed_order)).content.decode()

    assert 'data-party="mediator"' in content
    assert "Mediator Maria" in content


# --- bad input: an error next to the field, nothing stored ------------------------------------
@pytest.mark.django_db
def test_an_empty_message_without_photos_is_refused_next_to_the_text(client, order, buyer):
    client.force_login(buyer)

    response = client.post(conversation_url(order), {"body": "   "})

    assert response.status_code == 400
    assert field_errors(response, "body") == ["Write a message or attach a photo."]
    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_a_too_long_message_is_refused_next_to_the_text(client, order, buyer):
    client.force_login(buyer)

    response = client.post(conversation_url(order), {"body": "x" * (policy.MAX_BODY_LENGTH + 1)})

    assert response.status_code == 400
    assert field_errors(response, "body")
    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_six_photos_are_refused_next_to_the_photos_field(client, order, buyer):
    client.force_login(buyer)

    response = client.post(
        conversation_url(order), {"body": "Many", "photos": [photo(f"{n}.jpg") for n in range(6)]}
    )

    assert response.status_code == 400
    assert field_errors(response, "photos") == ["Attach at most 5 photos to one message."]
    assert not Conversation.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_a_file_that_is_not_a_photo_is_refused_next_to_the_photos_field(client, order, buyer):
    client.force_login(buyer)
    before = _stored_files()

    response = client.post(
        conversation_url(order), {"body": "Invoice", "photos": [photo("ok.jpg"), not_a_photo("invoice.jpg")]}
    )

    assert response.status_code == 400
    [error] = field_errors(response, "photos")
    assert "invoice.jpg" in error and "not a JPEG, PNG or WebP photo" in error
    assert not Conversation.objects.filter(order=order).exists()
    assert not MessageAttachment.objects.filter(message__conversation__order=order).exists()
    assert _stored_files() == before
    assert "Invoice" in response.content.decode()


def _stored_files() -> set[str]:
    if not default_storage.exists("messages"):
        return set()
    found, folders = set(), ["messages"]
    while folders:
        folder = folders.pop()
        subfolders, files = default_storage.listdir(folder)
        found.update(f"{folder}/{name}" for name in files)
        folders.extend(f"{folder}/{name}" for name in subfolders)
    return found


# --- the inbox --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_empty_inbox_explains_how_conversations_start(client, buyer):
    client.force_login(buyer)

    content = client.get(reverse("messaging:inbox")).content.decode()

    assert 'data-testid="inbox-empty"' in content
    assert "Contact seller" in content


@pytest.mark.django_db
def test_the_inbox_lists_conversations_newest_first_with_unread_counts(
    client, order, buyer, seller, store, send
):
    older = OrderFactory(buyer=buyer, store=store)
    send(older, seller, "About the older order")
    send(order, seller, "About the newer order", after=timedelta(hours=1))
    send(order, seller, "Still there?", after=timedelta(hours=2))
    client.force_login(buyer)

    content = client.get(reverse("messaging:inbox")).content.decode()

    assert content.index(order.number) < content.index(older.number)
    assert "Still there?" in content and "About the newer order" not in content
    assert re.findall(r'data-testid="unread-count">.*?(\d+)</span>', content, re.S) == ["2", "1"]


# --- links from elsewhere ---------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(("who", "label"), [("buyer", "Contact seller"), ("seller", "Contact buyer")])
def test_the_order_page_links_to_its_conversation(client, order, who, label, request):
    client.force_login(request.getfixturevalue(who))

    content = client.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert label in content
    assert conversation_url(order) in content


@pytest.mark.django_db
def test_the_navigation_bar_shows_the_unread_message_count(client, order, buyer, seller, send):
    send(order, buyer, "One")
    send(order, buyer, "Two", after=timedelta(minutes=1))
    client.force_login(seller)

    content = client.get(reverse("messaging:inbox")).content.decode()

    assert re.search(r'data-testid="message-count">.*?2</span>', content, re.S)


@pytest.mark.django_db
def test_a_photo_only_latest_message_shows_as_its_photo_count_in_the_inbox(
    client, order, buyer, seller, send
):
    send(order, seller, "", photos=[photo(), photo("b.jpg")])
    client.force_login(buyer)

    content = client.get(reverse("messaging:inbox")).content.decode()

    assert "2 photos" in content
