"""Photo attachments: making the copies the parties see. The job that does it is queued for each
new photo by :func:`messaging.services.send_message`."""

import logging

from django.db import transaction

from messaging import policy
from messaging.models import MessageAttachment
from portal import uploads

logger = logging.getLogger(__name__)


def process_attachment(*, attachment_id: int) -> MessageAttachment | None:
    """Make the re-encoded display and thumbnail copies of a photo; a done photo is left alone.

    A photo that passed the checks but still cannot be decoded is marked failed, so the page
    says so instead of waiting forever.
    """
    with transaction.atomic():
        attachment = (
            MessageAttachment.objects.select_for_update(of=("self",))
            .select_related("message")
            .filter(pk=attachment_id)
            .first()
        )
        if attachment is None or attachment.status != MessageAttachment.Status.PROCESSING:
            return attachment
        try:
            with attachment.file.open("rb") as source:
                display, thumbnail = uploads.make_image_derivatives(
                    source,
                    display_max_side=policy.DISPLAY_IMAGE_MAX_SIDE,
                    thumb_side=policy.THUMBNAIL_SIDE,
                    max_pixels=policy.MAX_IMAGE_PIXELS,
                    max_pixels_whole_decode=policy.MAX_PNG_WEBP_PIXELS,
                )
        except Exception:
            # Decoders report broken input with many exception types; all mean the same here.
            logger.exception("Photo attachment %s could not be re-encoded", attachment.pk)
            attachment.status = MessageAttachment.Status.FAILED
            attachment.save(update_fields=["status"])
            return attachment
        attachment.display.save(display.name or "display.jpg", display, save=False)
        attachment.thumbnail.save(thumbnail.name or "thumb.jpg", thumbnail, save=False)
        attachment.status = MessageAttachment.Status.READY
        attachment.save(update_fields=["display", "thumbnail", "status"])
        return attachment
