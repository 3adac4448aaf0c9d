"""Deciding a case line by line on the admin case page: one remedy and amount per disputed line,
one reason. The form validates; ``services.decide_dispute_by_lines`` decides, and its refusals
come back next to the line's amount (or above the form when the lines add up to too much)."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import services
from disputes.models import Dispute, LineRuling
from disputes.services.line_rulings import amount_field
from orders.models import LineItem

DECIDE = "disputes.decide_dispute"
NAME = "decide_lines"


class LineRulingForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("One reason for every line; both parties read it."),
    )

    def __init__(self, *args, lines: list[LineItem], currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"remedy_{line.pk}"] = forms.ChoiceField(
                label=f"{line.quantity} × {line.title}",
                choices=LineRuling.Remedy.choices,
                initial=LineRuling.Remedy.NOTHING,
            )
            self.fields[amount_field(line.pk)] = forms.DecimalField(
                label=gettext_lazy("Amount"),
                required=False,
                min_value=Decimal("0.01"),
                max_digits=12,
                decimal_places=2,
                help_text=gettext_lazy("at most %(total)s %(currency)s")
                % {"total": line.line_total, "currency": currency},
            )
        self.order_fields([*(name for name in self.fields if name != "note"), "note"])

    def clean(self) -> dict:
        data = super().clean()
        for line in self.lines:
            pk = line.pk
            if (
                data.get(f"remedy_{pk}") not in (None, LineRuling.Remedy.NOTHING)
                and data.get(amount_field(pk)) is None
            ):
                self.add_error(amount_field(pk), _("Enter the amount for this line."))
        return data

    def rows(self) -> list[tuple]:
        """(line, its remedy field, its amount field) for the template."""
        return [(line, self[f"remedy_{line.pk}"], self[amount_field(line.pk)]) for line in self.lines]

    def decisions(self) -> list[services.LineDecision]:
        return [
            services.LineDecision(
                line_item_id=line.pk,
                remedy=self.cleaned_data[f"remedy_{line.pk}"],
                amount=self.cleaned_data.get(amount_field(line.pk)),
            )
            for line in self.lines
        ]


def _lines(dispute: Dispute) -> list[LineItem]:
    return list(LineItem.objects.filter(pk__in=dispute.items.values("line_item_id")).order_by("id"))


def line_ruling_form(*, dispute: Dispute, bound: dict, can_decide: bool) -> LineRulingForm | None:
    """The case page's line-by-line form, when the mediator may decide and there is more than one line."""
    if not can_decide:
        return None
    if bound.get(NAME) is not None:
        return bound[NAME]
    # The case page prefetched the order's lines with their disputed quantity.
    lines = [line for line in dispute.order.items.all() if line.disputed_quantity]
    if len(lines) < 2:
        return None
    return LineRulingForm(lines=lines, currency=dispute.currency, auto_id="id_lines_%s")


def decide_lines_view(model_admin: ModelAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    """Validate the form, make the one service call, come back to the case page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(DECIDE):
        raise PermissionDenied
    dispute = get_object_or_404(Dispute, pk=pk)
    form = LineRulingForm(
        request.POST, lines=_lines(dispute), currency=dispute.currency, auto_id="id_lines_%s"
    )
    if form.is_valid():
        try:
            services.decide_dispute_by_lines(
                dispute=dispute,
                mediator=request.user,
                lines=form.decisions(),
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except services.DisputeError as error:
            if error.field not in form.fields and error.field != "__all__":
                model_admin.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:disputes_dispute_change", args=[pk]))
            form.add_error(None if error.field == "__all__" else error.field, str(error))
        else:
            model_admin.log_change(request, dispute, "decided line by line")
            model_admin.message_user(
                request, _("Decided line by line. Both parties have been told."), messages.SUCCESS
            )
            return HttpResponseRedirect(reverse("admin:disputes_dispute_change", args=[pk]))
    return model_admin._case_with_errors(request, pk, NAME, form)
