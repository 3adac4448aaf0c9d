"""What a party's dispute page shows of an appeal: the offer to appeal with its last day, the
form, then the appeal's state, deadline and final decision (``templates/disputes/_appeal.html``)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from disputes import appeal_selectors, forms, permissions, selectors
from disputes.appeal_notifications import decision_sentence, final_outcome_sentence
from disputes.appeal_timeline import appeal_badge, appeal_terms_label, with_appeal
from disputes.models import Appeal, Dispute, Party


def appeal_context(request: HttpRequest, dispute: Dispute, bound: dict | None = None) -> dict:
    """The appeal part of the dispute page for this viewer, precomputed for the template."""
    if dispute.decided_by_id is None or dispute.is_open:
        return {}
    bound = bound or {}
    now = timezone.now()
    party = permissions.viewer_party(dispute, request.user)
    appeal = appeal_selectors.existing_appeal(dispute)
    context: dict = {"appeal": appeal, "appeal_party": party}
    if appeal is not None:
        answering = (
            appeal.state == Appeal.State.AWAITING_ANSWER
            and not appeal.answer_due(now)
            and party == appeal.respondent
        )
        if appeal.is_final and appeal.outcome != Appeal.Outcome.UPHELD:
            # The page's outcome heading tells the result that stands: the appeal's.
            context["outcome_sentence"] = final_outcome_sentence(appeal)
        context.update(
            # Replace the page's own timeline and badge: the appeal's events and state belong in them.
            timeline=with_appeal(selectors.timeline(dispute), appeal),
            state_badge=appeal_badge(dispute, appeal),
            appeal_terms_label=appeal_terms_label(appeal),
            appeal_decision=decision_sentence(appeal) if appeal.is_final else "",
            appeal_answer_form=bound.get("answer_appeal")
            or (
                forms.AppealAnswerForm(
                    action=reverse("disputes:answer_appeal", args=[dispute.pk]), auto_id="id_answer_appeal_%s"
                )
                if answering
                else None
            ),
        )
        return context
    decided_at = appeal_selectors.mediator_decision_at(dispute)
    refusal = appeal_selectors.appeal_refusal(
        dispute=dispute, party=party, decided_at=decided_at, appealed=False, now=now
    )
    if party in (Party.BUYER, Party.SELLER) and decided_at is not None:
        context.update(
            appeal_until=appeal_selectors.appeal_deadline(decided_at),
            appeal_refusal=refusal,
            appeal_form=None
            if refusal
            else bound.get("file_appeal")
            or forms.AppealForm(
                action=reverse("disputes:file_appeal", args=[dispute.pk]), auto_id="id_file_appeal_%s"
            ),
        )
    return context
