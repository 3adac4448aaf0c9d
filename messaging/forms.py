"""Forms of the conversation page: they validate input, nothing more. The photos' content checks
run in the service, which reports them back onto the ``photos`` field."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from messaging import policy
from portal.forms import MultipleFileField, MultipleFileInput

ACCEPTED_PHOTO_TYPES = "image/jpeg,image/png,image/webp"


class SendMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=policy.MAX_BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Write a message…")}),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_PHOTO_TYPES}),
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _(
            "Up to %(count)d photos (JPEG, PNG or WebP), %(size)d MB each."
        ) % {
            "count": policy.MAX_PHOTOS_PER_MESSAGE,
            "size": policy.MAX_PHOTO_BYTES // (1024 * 1024),
        }
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "send-message"
        self.helper.add_input(Submit("submit", _("Send"), css_class="btn-primary"))

    def clean_photos(self) -> list:
        photos = self.cleaned_data["photos"]
        if len(photos) > policy.MAX_PHOTOS_PER_MESSAGE:
            raise forms.ValidationError(
                _("Attach at most %(count)d photos to one message.")
                % {"count": policy.MAX_PHOTOS_PER_MESSAGE}
            )
        return photos

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            not (cleaned.get("body") or "").strip()
            and not cleaned.get("photos")
            and not self.has_error("photos")
        ):
            self.add_error("body", _("Write a message or attach a photo."))
        return cleaned
