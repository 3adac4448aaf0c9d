from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts import policy
from portal.accounts.models import TIME_ZONE_CHOICES, User
from portal.accounts.services import email_in_use

EMAIL_IN_USE = _("Another account already uses this e-mail address.")


def grouped_time_zones() -> list[tuple[str, list[tuple[str, str]]]]:
    """The time zones under their region ("Europe", "America", ...), for ``<optgroup>``s; names
    without a region (UTC and the like) go under "Other"."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, label in TIME_ZONE_CHOICES:
        region, _slash, place = name.partition("/")
        groups.setdefault(region if place else "", []).append((name, label.partition("/")[2] or label))
    other = groups.pop("", [])
    return [*sorted(groups.items()), *([(str(_("Other")), other)] if other else [])]


class ProfileForm(forms.ModelForm):
    """Name and preferences. The e-mail address changes only through ``EmailChangeForm``."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "time_zone", "language", "email_non_essential"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = grouped_time_zones()
        # static/js/tz-filter.js adds a search box above the list; without JS the list alone works.
        self.fields["time_zone"].widget.attrs.update(
            {"data-filter-label": _("Search time zones"), "data-filter-placeholder": _("e.g. Moscow")}
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save profile")))


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(label=_("New e-mail address"), max_length=254)
    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["new_email"].help_text = _(
            "We will send a link to the new address; your e-mail changes when you follow it "
            "(within %(hours)d hours)."
        ) % {"hours": int(policy.EMAIL_CHANGE_LINK_MAX_AGE.total_seconds() // 3600)}
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send the confirmation link")))

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip()
        if email.lower() == (self.user.email or "").lower():
            raise forms.ValidationError(_("That is already your e-mail address."), code="unchanged")
        if email_in_use(email, exclude=self.user):
            raise forms.ValidationError(EMAIL_IN_USE, code="email_in_use")
        return email

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("Your password was entered incorrectly. Please enter it again."), code="password_incorrect"
            )
        return password


class UniqueEmailMixin:
    """Account forms of the admin: an address another account has, in any case, is refused."""

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email", "")
        if email and email_in_use(email, exclude=self.instance):
            raise forms.ValidationError(EMAIL_IN_USE, code="email_in_use")
        return email
