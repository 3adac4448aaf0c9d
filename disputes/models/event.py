"""A dispute's append-only timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from disputes.models.dispute import Dispute
from disputes.roles import Party
from portal.choices import ChoiceLabels
from portal.records import AppendOnlyModel


class DisputeEvent(ChoiceLabels, AppendOnlyModel):
    """Append-only timeline of a dispute. ``actor`` is ``None`` when the clock acted."""

    class Type(models.TextChoices):
        OPENED = "opened", _("Dispute opened")
        ACCEPTED = "accepted", _("Request accepted")
        COUNTER_OFFERED = "counter_offered", _("Counter-offer made")
        REJECTED = "rejected", _("Request rejected")
        OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
        MODIFIED = "modified", _("Request changed")
        ESCALATED = "escalated", _("Escalated to mediation")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        RETURN_SHIPPED = "return_shipped", _("Return shipped")
        RETURN_RECEIVED = "return_received", _("Return received")
        RETURN_PROBLEM = "return_problem", _("Problem reported with the return")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")
        EVIDENCE_REQUESTED = "evidence_requested", _("Evidence requested")
        EVIDENCE_PROVIDED = "evidence_provided", _("Requested evidence sent")
        DECIDED = "decided", _("Decided by a mediator")
        AUTO_RESOLVED = "auto_resolved", _("Decided automatically")
        DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
        ASSIGNED = "assigned", _("Mediator assigned")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")
        MEDIATOR_MESSAGE = "mediator_message", _("Message from the mediator")
        REFUND_ISSUED = "refund_issued", _("Refund issued")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="events", verbose_name=_("dispute")
    )
    type = models.CharField(max_length=24, choices=Type.choices, verbose_name=_("type"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    party = models.CharField(max_length=8, choices=Party.choices, blank=True, verbose_name=_("party"))
    from_state = models.CharField(max_length=24, blank=True, verbose_name=_("from state"))
    to_state = models.CharField(max_length=24, blank=True, verbose_name=_("to state"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        indexes = [models.Index(fields=["dispute", "created_at"], name="dispute_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.type}"
