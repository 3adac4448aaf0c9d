"""The second mediator's form for an appeal. It validates input; the service decides."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.services import AppealDecision


class DecideAppealForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=AppealDecision.choices, widget=forms.RadioSelect
    )
    amount = forms.DecimalField(
        label=_("Total refund"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("What the buyer gets back in total, counting what the first decision refunded."),
    )
    note = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Both parties read it. The appeal's decision is final."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == AppealDecision.PARTIAL_REFUND and data.get("amount") is None:
            self.add_error("amount", _("Enter the total refund."))
        if data.get("decision") != AppealDecision.PARTIAL_REFUND:
            data["amount"] = None
        return data
