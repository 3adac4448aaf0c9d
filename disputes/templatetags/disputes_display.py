"""Template helpers for showing disputes: the state badge (a list shows one per row)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from disputes.models import Dispute

register = template.Library()

STATE_TONES = {
    Dispute.State.RESOLVED_BUYER: "text-bg-success",
    Dispute.State.RESOLVED_SELLER: "text-bg-secondary",
    Dispute.State.WITHDRAWN: "text-bg-light border",
    Dispute.State.IN_MEDIATION: "text-bg-warning",
    Dispute.State.EVIDENCE_REQUESTED: "text-bg-warning",
}


@register.simple_tag
def dispute_state_badge(dispute: Dispute, badge=None) -> SafeString:
    """The dispute's state as a coloured badge, or ``badge`` (a label and a tone) where the page
    shows something more precise than the state (an appeal under way)."""
    if badge:
        return format_html(
            '<span class="badge state-badge {}" data-testid="state-badge">{}</span>', badge.tone, badge.label
        )
    tone = STATE_TONES.get(dispute.state, "text-bg-primary")
    return format_html('<span class="badge state-badge {}">{}</span>', tone, dispute.get_state_display())
