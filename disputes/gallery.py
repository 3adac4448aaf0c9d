"""The evidence gallery's own pages: a full-size viewer, and the fragment the dispute page polls
while photos are still being processed (so they appear without a reload)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from disputes import permissions
from disputes.models import Evidence


def gallery_context(dispute, user) -> dict:
    """What ``disputes/_evidence_gallery.html`` needs; ``evidence_processing`` starts or stops the polling."""
    evidence = list(dispute.evidence.order_by("id"))
    return {
        "dispute": dispute,
        "evidence_items": evidence,
        "evidence_processing": any(item.status == Evidence.Status.PROCESSING for item in evidence),
        "can_view_originals": permissions.can_view_originals(user),
    }


class EvidenceGalleryView(LoginRequiredMixin, View):
    """The gallery alone, as HTML: the page swaps it in while anything is still processing."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dispute = permissions.get_dispute_for_user(request.user, pk)
        response = render(request, "disputes/_evidence_gallery.html", gallery_context(dispute, request.user))
        response["Cache-Control"] = "no-store"
        return response


class EvidenceViewerView(LoginRequiredMixin, View):
    """One photo at full size inside the site (the bare image is served with a sandboxing CSP)."""

    def get(self, request: HttpRequest, public_id) -> HttpResponse:
        evidence = permissions.get_evidence_for_user(request.user, public_id)
        return render(
            request, "disputes/evidence_viewer.html", {"item": evidence, "dispute": evidence.dispute}
        )
