"""The mediator's action forms. They validate input; the services decide what is allowed."""

from datetime import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes import policy
from disputes.models import Party
from disputes.services import Decision

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class RequestEvidenceForm(forms.Form):
    party = forms.ChoiceField(
        label=_("Ask"),
        choices=[(Party.BUYER, _("the buyer")), (Party.SELLER, _("the seller"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What is needed"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("The party reads this on their dispute page and in the e-mail."),
    )
    due_at = forms.DateTimeField(
        label=_("Due by"),
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("In your time zone. If nothing arrives by then, the case comes back to you."),
    )

    def __init__(self, *args, now: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.default_due_at = timezone.localtime(now + policy.EVIDENCE_RESPONSE_WINDOW).replace(
            second=0, microsecond=0
        )
        self.fields["due_at"].initial = self.default_due_at

    def clean_due_at(self) -> datetime:
        return self.cleaned_data.get("due_at") or self.default_due_at


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label=_("Amount to refund"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
    )
    note = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Both parties read this reason on their dispute page."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == Decision.PARTIAL_REFUND and data.get("amount") is None:
            self.add_error("amount", _("Enter the amount of the partial refund."))
        if data.get("decision") != Decision.PARTIAL_REFUND:
            data["amount"] = None
        return data


class MediatorNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note to both parties"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Shown on the dispute's timeline to the buyer and the seller, who are e-mailed."),
    )


class BlacklistForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Recorded with your name, and shown to the buyer when they try to open a dispute."),
    )
