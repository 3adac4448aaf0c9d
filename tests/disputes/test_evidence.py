"""Evidence is kept exactly as received, privately, and the parties get clean copies of photos."""

import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve
from PIL import Image

from disputes import evidence as evidence_service
from disputes import policy, tasks
from disputes.models import Dispute, Evidence, Party
from disputes.services.common import store_evidence
from portal.outbox.models import OutboxMessage
from portal.uploads import check_upload
from tests.factories import deliver, ship
from tests.portal.test_uploads import LIMITS, image_bytes, jpeg_with_exif, mp4, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(order, now):
    ship(order, at=now + timedelta(days=1))
    deliver(order, at=now + timedelta(days=4))
    opened_at = now + timedelta(days=5)
    return Dispute.objects.create(
        order=order,
        buyer=order.buyer,
        store=order.store,
        reason=Dispute.Reason.DAMAGED,
        item_received=True,
        description="The earbuds arrived with a cracked case.",
        currency=order.currency,
        max_refund=Decimal("60.00"),
        requested_amount=Decimal("40.00"),
        requested_return=False,
        opened_at=opened_at,
        deadline_at=opened_at + policy.SELLER_RESPONSE_WINDOW,
        deadline_party=Party.SELLER,
        deadline_kind=Dispute.DeadlineKind.GRANT_REQUEST,
    )


@pytest.fixture
def queued(monkeypatch):
    """The evidence ids handed to the broker (read from their outbox messages), instead of
    running the job."""
    ids = []

    def send(*, kwargs, **options):
        ids.extend(m.kwargs["evidence_id"] for m in OutboxMessage.objects.filter(pk__in=kwargs["outbox_ids"]))

    monkeypatch.setattr(tasks.process_evidence, "apply_async", send)
    return ids


def store(dispute, content: bytes, name: str, *, at) -> Evidence:
    file = upload(content, name)
    checked = check_upload(file, **LIMITS)
    return store_evidence(
        dispute=dispute, uploaded_by=dispute.buyer, party=Party.BUYER, checked=checked, upload=file, now=at
    )


def read(field) -> bytes:
    with field.storage.open(field.name, "rb") as file:
        return file.read()


def test_the_original_is_kept_byte_for_byte_with_its_hash_and_receipt_time(dispute, now, queued):
    content = jpeg_with_exif()
    received_at = now + timedelta(days=5, minutes=3)

    evidence = store(dispute, content, "../../cracked case.jpeg", at=received_at)

    evidence.refresh_from_db()
    assert read(evidence.original) == content
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert evidence.received_at == received_at
    assert evidence.original_name == "cracked case.jpeg"
    assert (evidence.kind, evidence.content_type, evidence.extension) == ("photo", "image/jpeg", ".jpg")
    assert (evidence.width, evidence.height) == (200, 100)
    assert (evidence.uploaded_by, evidence.party) == (dispute.buyer, Party.BUYER)
    assert evidence.status == Evidence.Status.PROCESSING


def test_the_original_gets_a_random_name_in_the_disputes_folder(dispute, now, queued):
    evidence = store(dispute, image_bytes("PNG"), "photo\u202egpj.exe", at=now)

    folder, _, filename = evidence.original.name.rpartition("/")
    assert folder == f"evidence/{dispute.pk}"
    assert len(filename) == len("0123456789abcdef0123456789abcdef.png")
    assert filename.endswith(".png")
    assert "gpj" not in filename


def test_no_url_of_the_site_serves_the_stored_file(dispute, now, queued):
    evidence = store(dispute, image_bytes("JPEG"), "a.jpg", at=now)

    # ``base_url=None`` falls back to MEDIA_URL: the storage makes a URL, but nothing answers it.
    with pytest.raises(Resolver404):
        resolve(evidence.original.url)


def test_processing_is_queued_only_after_commit(dispute, now, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        evidence = store(dispute, image_bytes("JPEG"), "a.jpg", at=now)
        assert queued == []

    for callback in callbacks:
        callback()
    assert queued == [evidence.pk]


def test_nothing_is_queued_when_the_transaction_rolls_back(
    dispute, now, queued, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        evidence = store(dispute, image_bytes("JPEG"), "a.jpg", at=now)
        raise RuntimeError("the opening failed after the files were stored")

    assert queued == []
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not OutboxMessage.objects.filter(kwargs__evidence_id=evidence.pk).exists()


def test_an_upload_that_is_not_the_checked_file_is_refused(dispute, now, queued):
    checked = check_upload(upload(image_bytes("JPEG"), "a.jpg"), **LIMITS)

    with pytest.raises(ValueError):
        store_evidence(
            dispute=dispute,
            uploaded_by=dispute.buyer,
            party=Party.BUYER,
            checked=checked,
            upload=upload(image_bytes("PNG", size=(300, 300)), "b.png"),
            now=now,
        )


def test_after_commit_a_photo_gets_a_clean_display_copy_and_thumbnail(
    dispute, now, django_capture_on_commit_callbacks
):
    content = jpeg_with_exif(size=(2400, 1200), orientation=6)

    with django_capture_on_commit_callbacks(execute=True):
        evidence = store(dispute, content, "crack.jpg", at=now)

    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.READY
    display = Image.open(io.BytesIO(read(evidence.display)))
    thumbnail = Image.open(io.BytesIO(read(evidence.thumbnail)))
    assert display.format == thumbnail.format == "JPEG"
    assert display.size == (800, 1600)
    assert thumbnail.size == (160, 320)
    assert not display.getexif()
    assert not thumbnail.getexif()
    assert evidence.display.name.startswith(f"evidence/{dispute.pk}/derived/")
    assert read(evidence.original) == content


def test_processing_twice_changes_nothing(dispute, now, queued):
    evidence = store(dispute, image_bytes("PNG", size=(500, 400)), "a.png", at=now)
    first = evidence_service.process_evidence(evidence_id=evidence.pk)

    second = evidence_service.process_evidence(evidence_id=evidence.pk)

    assert second.status == Evidence.Status.READY
    assert (second.display.name, second.thumbnail.name) == (first.display.name, first.thumbnail.name)


def test_a_copy_made_while_another_worker_finished_is_thrown_away(dispute, now, queued, monkeypatch):
    evidence = store(dispute, image_bytes("PNG"), "a.png", at=now)
    make = evidence_service.make_image_derivatives

    def other_worker_finishes_meanwhile(source, **sizes):
        copies = make(source, **sizes)
        Evidence.objects.filter(pk=evidence.pk).update(
            status=Evidence.Status.READY, display="other/display.jpg", thumbnail="other/thumb.jpg"
        )
        return copies

    monkeypatch.setattr(evidence_service, "make_image_derivatives", other_worker_finishes_meanwhile)

    result = evidence_service.process_evidence(evidence_id=evidence.pk)

    assert result.display.name == "other/display.jpg"


def test_a_video_is_ready_as_it_is(dispute, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        evidence = store(dispute, mp4(b"qt  "), "unboxing.MOV", at=now)

    evidence.refresh_from_db()
    assert (evidence.kind, evidence.content_type, evidence.extension) == ("video", "video/quicktime", ".mov")
    assert evidence.status == Evidence.Status.READY
    assert not evidence.display
    assert not evidence.thumbnail


def test_the_task_runs_the_processing(dispute, now, queued):
    evidence = store(dispute, image_bytes("WEBP"), "a.webp", at=now)

    tasks.process_evidence.apply(kwargs={"evidence_id": evidence.pk})

    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.READY
    assert evidence.display
