"""Downloads of a case's dossier: the PDF summary and the ZIP with the evidence and its manifest.

Both are for the dispute's parties and mediators only (anyone else gets a 404, as for the case);
the ZIP carries originals for mediators and the parties' display copies for the parties.
"""

import tempfile

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import ngettext
from django.views import View

from disputes import policy
from disputes.dossier import archive, contents, pdf
from disputes.views import DisputeViewMixin
from portal import ratelimit


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class DossierDownloadView(DisputeViewMixin, View):
    """Counts each download against the user's hourly allowance before rendering anything."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            ratelimit.consume(
                scope="dossier",
                key=str(request.user.pk),
                rate=ratelimit.Rate(policy.MAX_DOSSIERS_PER_WINDOW, policy.DOSSIER_RATE_WINDOW),
                now=timezone.now(),
            )
        except ratelimit.RateLimited as limited:
            message = ngettext(
                "You have downloaded %(count)d case dossier this hour. Please try again after %(time)s.",
                "You have downloaded %(count)d case dossiers this hour. Please try again after %(time)s.",
                policy.MAX_DOSSIERS_PER_WINDOW,
            ) % {"count": policy.MAX_DOSSIERS_PER_WINDOW, "time": limited.retry_time}
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(limited.retry_after_seconds)
            return response
        return self.download(request)  # each subclass renders its own file


class DossierPdfView(DossierDownloadView):
    def download(self, request: HttpRequest) -> HttpResponse:
        dossier = contents.dossier_for(dispute=self.dispute, reader=request.user, now=timezone.now())
        return _download(pdf.render_pdf(dossier), name=pdf.pdf_name(dossier), content_type="application/pdf")


class DossierArchiveView(DossierDownloadView):
    def download(self, request: HttpRequest) -> HttpResponse:
        dossier = contents.dossier_for(dispute=self.dispute, reader=request.user, now=timezone.now())
        # Written to a temporary file and streamed from it: originals may add up to a gigabyte.
        zipped = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
        archive.build_archive(dossier, pdf=pdf.render_pdf(dossier), into=zipped)
        zipped.seek(0)
        response = FileResponse(
            zipped, as_attachment=True, filename=archive.archive_name(dossier), content_type="application/zip"
        )
        response["Cache-Control"] = "private, no-store"
        return response
