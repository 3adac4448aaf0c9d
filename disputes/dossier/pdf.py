"""The dossier's PDF, rendered from a Django template by WeasyPrint (Debian's Pango underneath)."""

from django.template.loader import render_to_string
from django.utils import timezone
from PIL import ImageFile

from disputes.dossier.contents import Dossier


def _weasyprint():
    """WeasyPrint, imported on first use so that a command or page that renders no PDF does not
    load it. Importing it sets Pillow's process-wide LOAD_TRUNCATED_IMAGES to True; the upload
    checks rely on Pillow refusing a truncated image, so the setting is put back at once (the
    dossier only embeds thumbnails this portal made itself)."""
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return weasyprint


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
    weasyprint = _weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
