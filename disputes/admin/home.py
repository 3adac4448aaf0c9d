"""The mediation queue's counts on the console's home page, each a link to the filtered queue."""

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from disputes.models import Dispute
from portal.admin_site import IndexCount


def queue_counts(request: HttpRequest) -> list[IndexCount]:
    """New (nobody took them yet), overdue and evidence-requested cases in mediation, in one query."""
    if not request.user.has_perm("disputes.view_dispute"):
        return []
    counts = Dispute.objects.filter(state__in=Dispute.MEDIATION_STATES).aggregate(
        new=Count("pk", filter=Q(assigned_mediator__isnull=True)),
        overdue=Count("pk", filter=Q(deadline_at__lt=timezone.now())),
        evidence=Count("pk", filter=Q(state=Dispute.State.EVIDENCE_REQUESTED)),
    )
    queue = reverse("admin:disputes_dispute_changelist")
    new, overdue, evidence = counts["new"], counts["overdue"], counts["evidence"]
    return [
        IndexCount(
            key="new",
            text=ngettext("%(n)d new case, not taken yet", "%(n)d new cases, not taken yet", new)
            % {"n": new},
            count=new,
            url=f"{queue}?assigned=nobody",
        ),
        IndexCount(
            key="overdue",
            text=ngettext("%(n)d overdue case", "%(n)d overdue cases", overdue) % {"n": overdue},
            count=overdue,
            url=f"{queue}?overdue=yes",
            urgent=True,
        ),
        IndexCount(
            key="evidence",
            text=ngettext("%(n)d case waiting for evidence", "%(n)d cases waiting for evidence", evidence)
            % {"n": evidence},
            count=evidence,
            url=f"{queue}?state={Dispute.State.EVIDENCE_REQUESTED}",
        ),
    ]
