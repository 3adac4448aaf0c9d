"""The appeals queue in the mediation console: appeals waiting for a second mediator, each with
the decision under appeal, both sides' words and evidence, and the buttons to take and decide it.
Every button makes one call to the service the site uses; the mediator who made the decision
under appeal gets no buttons, and the service refuses them anyway."""

from copy import copy

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import appeal_notifications, services
from disputes.admin.appeal_forms import DecideAppealForm
from disputes.models import Appeal, AppealClawback, Evidence
from disputes.roles import DECIDE, MEDIATE


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "dispute",
        "appellant",
        "state",
        "deadline_at",
        "first_mediator",
        "assigned_mediator",
    ]
    list_filter = ["state", "outcome"]
    list_select_related = ["dispute__order", "first_mediator", "assigned_mediator"]
    search_fields = ["dispute__order__number"]
    fields = ["state"]
    change_form_template = "admin/disputes/appeal/change_form.html"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MEDIATE)

    def has_view_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return request.user.has_perm(MEDIATE)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Appeal"), ordering="id")
    def reference(self, appeal: Appeal) -> str:
        return appeal.reference

    def get_ordering(self, request: HttpRequest) -> list:
        return ["state", "filed_at", "id"]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        return super().changelist_view(request, {"title": _("Appeals"), **(extra_context or {})})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = dict(extra_context or {})
        bound = extra_context.pop("bound_form", None)
        appeal = (
            Appeal.objects.select_related(
                "dispute__order",
                "dispute__buyer",
                "dispute__store",
                "first_mediator",
                "assigned_mediator",
                "decided_by",
            )
            .filter(pk=unquote(object_id))
            .first()
        )
        if appeal is not None and self.has_view_permission(request):
            extra_context.update(self.appeal_context(request, appeal, bound))
        return super().change_view(request, object_id, form_url, extra_context)

    def appeal_context(self, request: HttpRequest, appeal: Appeal, bound: DecideAppealForm | None) -> dict:
        user = request.user
        first = user.pk == appeal.first_mediator_id
        open_ = not appeal.is_final
        return {
            "title": f"{appeal.reference} · {appeal.dispute.reference}",
            "subtitle": appeal.get_state_display(),
            "appeal": appeal,
            "case": appeal.dispute,
            "is_first_mediator": first,
            "can_take": open_
            and not first
            and appeal.assigned_mediator_id != user.pk
            and user.has_perm(MEDIATE),
            "decide_form": (bound or DecideAppealForm(auto_id="id_appeal_%s"))
            if appeal.state == Appeal.State.IN_REVIEW and not first and user.has_perm(DECIDE)
            else None,
            "decision_sentence": appeal_notifications.decision_sentence(appeal) if appeal.is_final else "",
            "evidence": list(
                Evidence.objects.filter(dispute=appeal.dispute)
                .select_related("uploaded_by")
                .order_by("received_at", "id")
            ),
            "events": list(appeal.events.select_related("actor").order_by("created_at", "id")),
            "clawback": AppealClawback.objects.filter(appeal=appeal).first(),
            "case_url": reverse("admin:disputes_dispute_change", args=[appeal.dispute_id]),
        }

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/take/", wrap(self.take_view), name="disputes_appeal_take"),
            path("<int:pk>/decide/", wrap(self.decide_view), name="disputes_appeal_decide"),
            *super().get_urls(),
        ]

    def _back(self, pk: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:disputes_appeal_change", args=[pk]))

    def _gate(self, request: HttpRequest, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def take_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._gate(request, MEDIATE)
        appeal = get_object_or_404(Appeal, pk=pk)
        try:
            services.assign_appeal(appeal=appeal, mediator=request.user, now=timezone.now())
        except services.DisputeError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.log_change(request, appeal, "taken")
            self.message_user(request, _("The appeal is assigned to you."), messages.SUCCESS)
        return self._back(pk)

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._gate(request, DECIDE)
        appeal = get_object_or_404(Appeal, pk=pk)
        form = DecideAppealForm(request.POST, auto_id="id_appeal_%s")
        if form.is_valid():
            try:
                decided = services.decide_appeal(
                    appeal=appeal,
                    mediator=request.user,
                    decision=form.cleaned_data["decision"],
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                    now=timezone.now(),
                )
            except services.DisputeError as error:
                if error.field not in form.fields:
                    self.message_user(request, str(error), messages.ERROR)
                    return self._back(pk)
                form.add_error(error.field, str(error))
            else:
                self.log_change(request, appeal, "decided")
                self.message_user(
                    request,
                    _("Appeal decided (final). %(sentence)s Both parties have been told.")
                    % {"sentence": appeal_notifications.decision_sentence(decided)},
                    messages.SUCCESS,
                )
                return self._back(pk)
        page_request = copy(request)
        page_request.method = "GET"
        response = self.change_view(page_request, str(pk), extra_context={"bound_form": form})
        response.status_code = 400
        return response
