"""Evidence files: making the copies the parties see. The job that does it is queued for each
new file by :func:`disputes.services.common.store_evidence`.

Checking happens before this (``portal.uploads.check_upload``); it only ever sees files already
known to be an allowed photo or video.
"""

import logging

from django.db import transaction
from PIL import Image

from disputes import policy
from disputes.models import Evidence
from portal.uploads import make_image_derivatives

logger = logging.getLogger(__name__)


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
