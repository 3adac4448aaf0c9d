"""Forms of the dispute pages: they validate input (evidence by content), nothing more."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from disputes import policy
from disputes.models import Dispute
from orders.forms import tracking_number_validator
from orders.models import Carrier, Order
from portal import uploads
from portal.forms import MultipleFileField, MultipleFileInput

ACCEPTED_EVIDENCE = "image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm"
MONEY_FIELD = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}


def _evidence_help() -> str:
    return gettext(
        "Up to %(count)d files: photos (JPEG, PNG, WebP) up to %(photo)d MB, videos (MP4, MOV, WebM) "
        "up to %(video)d MB. Only the buyer, the seller and mediators can see them."
    ) % {
        "count": policy.MAX_EVIDENCE_FILES,
        "photo": policy.MAX_PHOTO_BYTES // (1024 * 1024),
        "video": policy.MAX_VIDEO_BYTES // (1024 * 1024),
    }


def evidence_field(*, required: bool = False, label=_("Photos and videos")) -> MultipleFileField:
    return MultipleFileField(
        label=label,
        required=required,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_EVIDENCE}),
        # Fields are built at import: the help is formatted lazily, in each request's language.
        help_text=lazy(_evidence_help, str)(),
    )


def check_evidence(files: list) -> list:
    """Check every file by content; returns (CheckedUpload, file) pairs."""
    checked = uploads.check_uploads(
        files,
        max_files=policy.MAX_EVIDENCE_FILES,
        allow_video=True,
        max_photo_bytes=policy.MAX_PHOTO_BYTES,
        max_video_bytes=policy.MAX_VIDEO_BYTES,
        max_pixels=policy.MAX_IMAGE_PIXELS,
        max_pixels_whole_decode=policy.MAX_PNG_WEBP_PIXELS,
    )
    return list(zip(checked, files, strict=True))


class EvidenceMixin:
    def clean_evidence(self) -> list:
        return check_evidence(self.cleaned_data.get("evidence") or [])


def _helper(action: str, submit, css: str = "btn-primary", form_id: str = "") -> FormHelper:
    helper = FormHelper()
    helper.form_action = action
    helper.form_id = form_id
    helper.attrs = {"enctype": "multipart/form-data"}
    button = Submit("submit", submit)
    # Replace Submit's own "btn-primary": kept beside an outline style, its fill hides the label.
    button.field_classes = f"btn {css}"
    helper.add_input(button)
    return helper


class OpenDisputeForm(EvidenceMixin, forms.Form):
    REFUND_CHOICES = [("full", _("Full refund of the chosen items")), ("partial", _("Partial refund"))]

    item_received = forms.TypedChoiceField(
        label=_("Did you receive the item?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(label=_("What is wrong?"))
    refund_type = forms.ChoiceField(
        label=_("What do you ask for?"), choices=REFUND_CHOICES, initial="full", widget=forms.RadioSelect
    )
    amount = forms.DecimalField(label=_("Amount"), required=False, **MONEY_FIELD)
    with_return = forms.BooleanField(
        label=_("I will send the item back"),
        required=False,
        help_text=_("Return shipping costs are not refunded."),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=policy.MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence = evidence_field()

    #: The only reason that fits "No, I did not receive it"; every other reason needs the item.
    REASONS_IF_NOT_RECEIVED = (Dispute.Reason.NOT_RECEIVED,)

    def __init__(self, *args, order: Order, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        # Grouped by the "received?" answer they fit: without JavaScript the groups say which is
        # which; dispute_form.js disables the group that does not fit the answer.
        self.fields["reason"].choices = [
            ("", "---------"),
            (
                _("If the item arrived"),
                [(v, label) for v, label in Dispute.Reason.choices if v not in self.REASONS_IF_NOT_RECEIVED],
            ),
            (
                _("If it did not arrive"),
                [(v, label) for v, label in Dispute.Reason.choices if v in self.REASONS_IF_NOT_RECEIVED],
            ),
        ]
        self.fields["reason"].widget.attrs["data-reasons-if-not-received"] = " ".join(
            self.REASONS_IF_NOT_RECEIVED
        )
        self.items = list(order.items.all())
        self.fields["amount"].help_text = _("In %(currency)s. Only for a partial refund.") % {
            "currency": order.currency
        }
        item_fields = []
        for item in self.items:
            name = f"item_{item.pk}"
            self.fields[name] = forms.IntegerField(
                label=_("%(title)s — how many (of %(qty)d)?") % {"title": item.title, "qty": item.quantity},
                min_value=0,
                max_value=item.quantity,
                initial=item.quantity,
            )
            item_fields.append(name)
        self.helper = _helper(action, _("Open dispute"), "btn-danger", form_id="open-dispute")
        self.helper.attrs["data-dispute-form"] = ""
        self.helper.layout = Layout(
            Fieldset(_("What happened"), "item_received", "reason"),
            Fieldset(_("Which items"), *item_fields, css_id="items"),
            Fieldset(_("What you ask for"), "refund_type", "amount", "with_return"),
            Fieldset(_("Your side of the story"), "description", "evidence"),
            Div(
                HTML(
                    '<p class="small text-body-secondary">'
                    + str(_("Agreements made in chat do not count: only what is in the dispute does."))
                    + "</p>"
                )
            ),
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = [(item, cleaned.get(f"item_{item.pk}") or 0) for item in self.items]
        chosen = [(item, quantity) for item, quantity in chosen if quantity > 0]
        if not chosen and not any(f"item_{item.pk}" in self.errors for item in self.items):
            self.add_error(None, _("Choose at least one item and how many are affected."))
        cleaned["items"] = chosen
        if cleaned.get("refund_type") == "partial" and cleaned.get("amount") is None:
            self.add_error("amount", _("Enter the amount you ask for."))
        if cleaned.get("refund_type") == "full":
            cleaned["amount"] = None
        reason = cleaned.get("reason")
        if reason and cleaned.get("item_received") is False and reason not in self.REASONS_IF_NOT_RECEIVED:
            self.add_error(
                "reason",
                _("You said the item did not arrive: choose “%(not_received)s”, or answer Yes above.")
                % {"not_received": Dispute.Reason.NOT_RECEIVED.label},
            )
        if (
            reason
            and reason != Dispute.Reason.NOT_RECEIVED
            and not cleaned.get("evidence")
            and "evidence" not in self.errors
        ):
            self.add_error("evidence", _("Add at least one photo or video that shows the problem."))
        return cleaned


class TermsForm(forms.Form):
    """An amount with or without a return: a counter-offer or a modified request."""

    amount = forms.DecimalField(label=_("Refund amount"), **MONEY_FIELD)
    with_return = forms.BooleanField(label=_("The item is sent back first"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, action: str = "", submit=_("Send"), currency: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["amount"].help_text = _("In %(currency)s.") % {"currency": currency}
        self.helper = _helper(action, submit)


class CounterOfferForm(EvidenceMixin, TermsForm):
    evidence = evidence_field()

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("submit", _("Send counter-offer"))
        super().__init__(*args, **kwargs)


class RejectForm(EvidenceMixin, forms.Form):
    note = forms.CharField(
        label=_("Why do you reject the request?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = evidence_field()

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Reject request"), "btn-outline-danger")


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, action: str = "", submit=_("Send"), css: str = "btn-primary", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, submit, css)


class ReturnProblemForm(EvidenceMixin, forms.Form):
    note = forms.CharField(
        label=_("What is wrong with the return?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = evidence_field()

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Report a problem"), "btn-outline-danger")


class ReturnShipmentForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=[("", "---------"), *Carrier.choices])
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=40, validators=[tracking_number_validator]
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("I have shipped the return"))

    def clean_tracking_number(self) -> str:
        return " ".join(self.cleaned_data["tracking_number"].upper().split())


class EvidenceForm(EvidenceMixin, forms.Form):
    evidence = evidence_field()
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args, action: str = "", submit=_("Add evidence"), require_files: bool = True, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].required = require_files
        self.helper = _helper(action, submit, "btn-outline-primary")


class ExtendDeadlineForm(forms.Form):
    days = forms.IntegerField(
        label=_("Give them more days"),
        min_value=1,
        max_value=policy.MAX_DEADLINE_EXTENSION.days,
        initial=policy.DEFAULT_DEADLINE_EXTENSION.days,
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Extend deadline"), "btn-outline-secondary")


class AppealForm(EvidenceMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why should the decision change?"),
        max_length=policy.MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = evidence_field(required=True, label=_("New photos or videos"))

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("File the appeal"), "btn-warning")


class AppealAnswerForm(EvidenceMixin, forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the appeal"),
        max_length=policy.MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = evidence_field()

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Send the answer"))
