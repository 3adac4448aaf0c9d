"""Forms of the order pages: they validate input, nothing more."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import RegexValidator
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from orders import policy
from orders.models import Carrier, Store

tracking_number_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 -]{4,38}[A-Za-z0-9]$",
    _("Enter the tracking number as the carrier gave it: 6 to 40 letters, digits, spaces or dashes."),
)


def _helper(action: str, submit: str, css: str = "btn-primary") -> FormHelper:
    helper = FormHelper()
    helper.form_action = action
    # Several forms share a page: each button's id comes from its form's action, so ids stay unique.
    button = Submit("submit", submit, css_id=f"submit-{slugify(action)}" if action else None)
    # Replace Submit's own "btn-primary": kept beside an outline style, its fill hides the label.
    button.field_classes = f"btn {css}"
    helper.add_input(button)
    return helper


class ShipOrderForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=[("", "---------"), *Carrier.choices])
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=40, validators=[tracking_number_validator]
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Mark as shipped"))

    def clean_tracking_number(self) -> str:
        return " ".join(self.cleaned_data["tracking_number"].upper().split())


class RequestExtensionForm(forms.Form):
    note = forms.CharField(
        label=_("Why do you need more time?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: tracking has not moved for two weeks."),
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Request protection extension"), "btn-outline-primary")


class GrantExtensionForm(forms.Form):
    days = forms.IntegerField(
        label=_("Extend protection by (days)"),
        min_value=1,
        max_value=policy.MAX_PROTECTION_EXTENSION.days,
        initial=policy.DEFAULT_PROTECTION_EXTENSION.days,
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Grant extension"), "btn-success")


def _programme_choices() -> list[tuple[str, str]]:
    return [
        (
            country,
            _("%(country)s — items up to %(amount)s %(currency)s")
            % {"country": country, "amount": cap, "currency": currency},
        )
        for country, (cap, currency) in policy.FREE_RETURN_PROGRAMME.items()
    ]


def _threshold_currencies(current: str) -> list[str]:
    codes = list(policy.REFUND_WITHOUT_RETURN_THRESHOLDS)
    return codes if not current or current in codes else [*codes, current]


def _thresholds_help() -> str:
    defaults = ", ".join(
        f"{amount} {currency}" for currency, amount in policy.REFUND_WITHOUT_RETURN_THRESHOLDS.items()
    )
    return _(
        "Your threshold applies to orders paid in this currency. Orders in other currencies follow "
        "the marketplace default of their currency: %(defaults)s."
    ) % {"defaults": defaults}


class ReturnPolicyForm(forms.ModelForm):
    free_return_countries = forms.MultipleChoiceField(
        label=_("Free-return programme"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Buyers in these countries return items up to the cap at no cost to them."),
    )

    class Meta:
        model = Store
        fields = [
            "name",
            "accepts_returns",
            "return_window_days",
            "return_shipping_paid_by",
            "refund_without_return_threshold",
            "refund_without_return_currency",
            "returns_personalised_items",
            "returns_used_items",
            "return_address",
        ]
        widgets = {"return_address": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["free_return_countries"].choices = _programme_choices()
        if self.instance.pk and not self.is_bound:
            self.initial["free_return_countries"] = [
                programme.country for programme in self.instance.free_return_countries.all()
            ]
        self.fields["refund_without_return_currency"] = forms.ChoiceField(
            label=_("Currency of that threshold"),
            choices=[
                ("", "---------"),
                *(
                    (code, code)
                    for code in _threshold_currencies(self.instance.refund_without_return_currency)
                ),
            ],
            required=False,
            help_text=_thresholds_help(),
        )
        self.fields["return_window_days"].help_text = _("Between %(min)d and %(max)d days.") % {
            "min": policy.RETURN_WINDOW_MIN_DAYS,
            "max": policy.RETURN_WINDOW_MAX_DAYS,
        }
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save return policy")))

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("accepts_returns") and not (cleaned.get("return_address") or "").strip():
            self.add_error("return_address", _("Buyers need an address to send returns to."))
        # A threshold is money: 10.00 means nothing until it says 10.00 of what.
        amount, currency = (
            cleaned.get("refund_without_return_threshold"),
            cleaned.get("refund_without_return_currency"),
        )
        if amount is not None and not currency:
            self.add_error("refund_without_return_currency", _("Choose the currency of this threshold."))
        if amount is None and currency:
            self.add_error(
                "refund_without_return_threshold",
                _("Enter the threshold in %(currency)s, or no currency.") % {"currency": currency},
            )
        return cleaned
