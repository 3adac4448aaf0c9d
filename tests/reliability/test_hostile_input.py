"""Hostile input through the real pages: each gets a clear error and stores nothing; markup is
shown as text wherever people read it (dispute page, conversation, mediation console).

File checks by content are covered case by case in tests/portal/test_uploads.py; here the same
kinds of files go through the open-dispute form, with the request limits Django enforces first.
"""

import io
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from disputes import policy
from disputes.models import Dispute, Evidence
from messaging.models import Message
from tests.factories import image_upload, shipped_order

XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)">'
ESCAPED_XSS = (
    "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
)


def stored_files() -> set[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return {os.path.join(path, name) for path, _dirs, names in os.walk(root) for name in names}


@pytest.fixture
def order(buyer, store):
    """Shipped nine days ago (by the real clock, as the pages use it): disputable for any reason."""
    return shipped_order(paid_at=timezone.now() - timedelta(days=9), buyer=buyer, store=store)


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client


def claim(order, **changes) -> dict:
    """A valid "arrived damaged" claim over the whole order, with one photo."""
    data = {
        "item_received": "yes",
        "reason": Dispute.Reason.DAMAGED,
        "refund_type": "full",
        "description": "The case arrived cracked.",
        "evidence": [image_upload("crack.jpg")],
        **{f"item_{item.pk}": item.quantity for item in order.items.all()},
    }
    data.update(changes)
    return data


@pytest.fixture
def nothing_stored(order):
    """Asserts, after the test, that no dispute, evidence or file was written for the order."""
    files = stored_files()
    yield
    assert not Dispute.objects.filter(order=order).exists()
    assert not Evidence.objects.filter(dispute__order=order).exists()
    assert stored_files() == files


def open_dispute(client, order, **changes):
    return client.post(reverse("disputes:open", args=[order.number]), claim(order, **changes))


# --- amounts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "Ensure this value is greater than or equal to 0.01."),
        ("0", "Ensure this value is greater than or equal to 0.01."),
        ("0.00", "Ensure this value is greater than or equal to 0.01."),
        ("60.01", "The most you can ask for is 60.00 USD"),
        ("1000000", "The most you can ask for is 60.00 USD"),
        ("1.234", "Ensure that there are no more than 2 decimal places."),
        ("99999999999.99", "Ensure that there are no more than 12 digits in total."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("1e400", "Ensure that there are no more than 12 digits in total."),
        ("1e3", "The most you can ask for is 60.00 USD"),
        ("12,50", "Enter a number."),
        ("", "Enter the amount you ask for."),
    ],
)
def test_a_bad_amount_is_refused_with_a_clear_error_and_nothing_is_stored(
    buyer_client, order, nothing_stored, amount, message
):
    response = open_dispute(buyer_client, order, refund_type="partial", amount=amount)

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "Ensure this value is greater than or equal to 0.01."),
        ("0", "Ensure this value is greater than or equal to 0.01."),
        ("60.01", "The most you can offer is 60.00 USD"),
        ("5.555", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_a_bad_counter_offer_amount_is_refused_and_changes_nothing(client, order, amount, message):
    from tests.factories import open_dispute_for

    dispute = open_dispute_for(order, at=timezone.now() - timedelta(minutes=5))
    client.force_login(order.store.owner)

    response = client.post(
        reverse("disputes:counter_offer", args=[dispute.pk]), {"amount": amount, "note": "Half?"}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.AWAITING_SELLER
    assert dispute.proposals.count() == 1


# --- megabytes of text ---------------------------------------------------------------------------------
def test_a_one_megabyte_description_is_a_form_error(buyer_client, order, nothing_stored):
    response = open_dispute(buyer_client, order, description="A" * (1024 * 1024))

    assert response.status_code == 400
    assert (
        f"Ensure this value has at most {policy.MAX_DESCRIPTION_LENGTH} characters"
        in response.content.decode()
    )


def test_text_over_the_request_limit_is_a_bad_request_not_a_server_error(buyer_client, order, nothing_stored):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024

    response = open_dispute(buyer_client, order, description="A" * size)

    assert response.status_code == 400


def test_a_one_megabyte_message_is_a_form_error(buyer_client, order):
    response = buyer_client.post(
        reverse("messaging:conversation", args=[order.number]), {"body": "B" * (1024 * 1024)}
    )

    assert response.status_code == 400
    assert "Ensure this value has at most" in response.content.decode()
    assert not Message.objects.filter(conversation__order=order).exists()


def test_a_one_megabyte_counter_offer_note_is_a_form_error(client, order):
    from tests.factories import open_dispute_for

    dispute = open_dispute_for(order, at=timezone.now() - timedelta(minutes=5))
    client.force_login(order.store.owner)

    response = client.post(
        reverse("disputes:counter_offer", args=[dispute.pk]), {"amount": "10.00", "note": "N" * (1024 * 1024)}
    )

    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    assert dispute.proposals.count() == 1


# --- files through the open-dispute form ---------------------------------------------------------------
def _gif_named_jpg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 255)).save(buffer, "GIF")
    return SimpleUploadedFile("receipt.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_one_file_too_many_is_refused_by_the_form(buyer_client, order, nothing_stored):
    files = [image_upload(f"photo{i}.jpg") for i in range(policy.MAX_EVIDENCE_FILES + 1)]

    response = open_dispute(buyer_client, order, evidence=files)

    assert response.status_code == 400
    assert f"You can attach at most {policy.MAX_EVIDENCE_FILES} files." in response.content.decode()


def test_more_files_than_django_accepts_is_a_bad_request(buyer_client, order, nothing_stored):
    files = [image_upload(f"photo{i}.jpg") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]

    response = open_dispute(buyer_client, order, evidence=files)

    assert response.status_code == 400


def test_a_gif_renamed_jpg_is_refused_by_its_content(buyer_client, order, nothing_stored):
    response = open_dispute(buyer_client, order, evidence=[_gif_named_jpg()])

    assert response.status_code == 400
    assert "“receipt.jpg” is not a JPEG, PNG or WebP photo, or an MP4, MOV or WebM video." in (
        response.content.decode()
    )


def test_an_empty_file_is_refused(buyer_client, order, nothing_stored):
    empty = SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg")

    response = open_dispute(buyer_client, order, evidence=[empty])

    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()


def test_one_bad_file_among_good_ones_stores_none_of_them(buyer_client, order, nothing_stored):
    response = open_dispute(buyer_client, order, evidence=[image_upload("good.jpg"), _gif_named_jpg()])

    assert response.status_code == 400
    assert "“receipt.jpg” is not a JPEG" in response.content.decode()


# --- markup is shown as text -------------------------------------------------------------------------
def test_markup_in_a_dispute_is_shown_as_text_to_everyone_who_reads_it(
    client, order, buyer, seller, mediator
):
    client.force_login(buyer)
    response = client.post(reverse("disputes:open", args=[order.number]), claim(order, description=XSS))
    assert response.status_code == 302, response.content.decode()[:3000]
    dispute = Dispute.objects.get(order=order)
    assert dispute.description == XSS  # stored as written: escaping is the page's job

    pages = {
        "buyer": (buyer, reverse("disputes:detail", args=[dispute.pk])),
        "seller": (seller, reverse("disputes:detail", args=[dispute.pk])),
        "mediator": (mediator, reverse("disputes:detail", args=[dispute.pk])),
        "console": (mediator, reverse("admin:disputes_dispute_change", args=[dispute.pk])),
    }
    for who, (user, url) in pages.items():
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and 'onerror="alert' not in html, who
        assert "&lt;script&gt;alert(" in html, f"{who}: the description is not on {url}"


def test_markup_in_a_counter_offer_note_is_shown_as_text(client, order, buyer):
    from tests.factories import open_dispute_for

    dispute = open_dispute_for(order, at=timezone.now() - timedelta(minutes=5))
    client.force_login(order.store.owner)
    response = client.post(
        reverse("disputes:counter_offer", args=[dispute.pk]), {"amount": "10.00", "note": XSS}
    )
    assert response.status_code == 302

    client.force_login(buyer)
    html = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html


def test_markup_in_a_message_is_shown_as_text_in_the_conversation_and_the_console(
    client, order, buyer, mediator
):
    from tests.factories import open_dispute_for

    client.force_login(buyer)
    url = reverse("messaging:conversation", args=[order.number])
    assert client.post(url, {"body": XSS}).status_code == 302
    open_dispute_for(order, at=timezone.now() - timedelta(minutes=5))  # mediators read disputed orders
    message = Message.objects.get(conversation__order=order)
    assert message.body == XSS

    client.force_login(order.store.owner)
    conversation = client.get(url).content.decode()
    client.force_login(mediator)
    console = client.get(
        reverse("admin:messaging_conversation_change", args=[message.conversation_id])
    ).content.decode()

    for html in (conversation, console):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html
