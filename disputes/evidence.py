"""Evidence files: keeping the original as received, and making the copies the parties see.

Checking happens before this (``portal.uploads.check_upload``); these functions only ever see
files already known to be an allowed photo or video.
"""

import logging
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image

from disputes import policy, tasks
from disputes.models import Dispute, Evidence
from portal.accounts.models import User
from portal.outbox.services import enqueue_after_commit
from portal.uploads import CheckedUpload, make_image_derivatives

logger = logging.getLogger(__name__)


@transaction.atomic
def store_evidence(
    *,
    dispute: Dispute,
    uploaded_by: User,
    party: str,
    checked: CheckedUpload,
    upload: UploadedFile,
    now: datetime,
) -> Evidence:
    """Keep a checked upload as evidence in private storage, with its SHA-256 and receipt time,
    and queue the making of its display copies once the caller's transaction commits.

    :raises ValueError: ``upload`` is not the file ``checked`` describes
    """
    if upload.size != checked.size:
        raise ValueError("The upload is not the file that was checked.")
    evidence = Evidence(
        dispute=dispute,
        uploaded_by=uploaded_by,
        party=party,
        kind=checked.kind,
        content_type=checked.content_type,
        extension=checked.extension,
        original_name=checked.original_name,
        size=checked.size,
        sha256=checked.sha256,
        width=checked.width,
        height=checked.height,
        status=Evidence.Status.PROCESSING,
        received_at=now,
    )
    upload.seek(0)
    # The storage name comes from ``evidence_path``: a random name with the checked extension.
    evidence.original.save(f"original{checked.extension}", upload, save=False)
    evidence.save()
    enqueue_after_commit(tasks.process_evidence, evidence_id=evidence.pk)
    return evidence


def process_evidence(*, evidence_id: int) -> Evidence:
    """Make a photo's display copy and thumbnail (upright, without metadata) and mark the
    evidence ready; a video is ready as it is. Running it again changes nothing.

    The copies are made outside the transaction, so the row is locked only to record them.

    :raises Evidence.DoesNotExist: no evidence has this id
    """
    evidence = Evidence.objects.get(pk=evidence_id)
    if evidence.status != Evidence.Status.PROCESSING:
        return evidence
    derivatives = None
    status = Evidence.Status.READY
    if evidence.kind == Evidence.Kind.PHOTO and not evidence.display:
        try:
            with evidence.original.open("rb") as source:
                derivatives = make_image_derivatives(
                    source,
                    display_max_side=policy.DISPLAY_IMAGE_MAX_SIDE,
                    thumb_side=policy.THUMBNAIL_SIDE,
                    max_pixels=policy.MAX_IMAGE_PIXELS,
                    max_pixels_whole_decode=policy.MAX_PNG_WEBP_PIXELS,
                )
        except (OSError, ValueError, Image.DecompressionBombError):
            # The original stays for mediators; the parties see that it could not be shown.
            logger.exception("evidence %s could not be re-encoded", evidence_id)
            status = Evidence.Status.FAILED
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
        if evidence.status != Evidence.Status.PROCESSING:
            return evidence
        fields = ["status"]
        if derivatives is not None and not evidence.display:
            display, thumbnail = derivatives
            evidence.display.save(display.name, display, save=False)
            evidence.thumbnail.save(thumbnail.name, thumbnail, save=False)
            fields += ["display", "thumbnail"]
        evidence.status = status
        evidence.save(update_fields=fields)
    return evidence
