"""Downloads of a case's dossier: the PDF summary and the ZIP with the evidence and its manifest.

Both are for the dispute's parties and mediators only (anyone else gets a 404, as for the case);
the ZIP carries originals for mediators and the parties' display copies for the parties.
"""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views import View

from disputes.dossier import archive, contents, pdf
from disputes.views import DisputeViewMixin


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class DossierPdfView(DisputeViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dossier = contents.dossier_for(dispute=self.dispute, reader=request.user, now=timezone.now())
        return _download(pdf.render_pdf(dossier), name=pdf.pdf_name(dossier), content_type="application/pdf")


class DossierArchiveView(DisputeViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dossier = contents.dossier_for(dispute=self.dispute, reader=request.user, now=timezone.now())
        zipped = archive.build_archive(dossier, pdf=pdf.render_pdf(dossier))
        return _download(zipped, name=archive.archive_name(dossier), content_type="application/zip")
