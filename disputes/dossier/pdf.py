"""The dossier's PDF, rendered from a Django template by WeasyPrint (Debian's Pango underneath)."""

from django.template.loader import render_to_string
from django.utils import timezone
from PIL import ImageFile

from disputes.dossier.contents import Dossier

# WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES to True when it is imported. The
# upload checks rely on Pillow refusing a truncated image, so the setting is put back at once:
# the dossier only embeds thumbnails this portal made itself.
_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
import weasyprint  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _truncated


def pdf_name(dossier: Dossier) -> str:
    return f"dossier-{dossier.dispute.reference}-{dossier.dispute.order.number}.pdf"


def render_pdf(dossier: Dossier) -> bytes:
    """The PDF summary of ``dossier``, with times in the active (the reader's) time zone.

    The renderer fetches nothing: thumbnails arrive as data: URIs and any other address is refused.
    """
    html = render_to_string(
        "disputes/dossier.html",
        {"dossier": dossier, "dispute": dossier.dispute, "zone": timezone.get_current_timezone_name()},
    )
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
