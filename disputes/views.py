"""Dispute pages for buyers and sellers. Each view parses, gates, makes one service call, responds."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from disputes import confirmations, forms, page_wording, permissions, policy, selectors, services
from disputes.appeal_pages import appeal_context
from disputes.line_ruling_pages import line_rulings_context
from disputes.models import Dispute
from orders import permissions as order_permissions
from orders.selectors import return_policy_summary
from portal import ratelimit, uploads
from portal.confirmation import is_confirmed
from portal.paging import KeysetPaginator

PAGE_SIZE = 20


# --- inboxes ---------------------------------------------------------------------------------------
class DisputeInboxView(LoginRequiredMixin, TemplateView):
    template_name = "disputes/dispute_list.html"
    as_seller = False

    def get_context_data(self, **kwargs) -> dict:
        state_filter = self.request.GET.get("state")
        if state_filter not in selectors.INBOX_FILTERS:
            state_filter = "open"
        if self.as_seller:
            store = order_permissions.get_store_for_seller(self.request.user)
            disputes = selectors.disputes_for_store(store=store, state_filter=state_filter)
        else:
            disputes = selectors.disputes_for_buyer(buyer=self.request.user, state_filter=state_filter)
        page = KeysetPaginator(disputes, PAGE_SIZE).get_page(self.request.GET)
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            "by_date": state_filter == "closed",
            "as_seller": self.as_seller,
            "state_filter": state_filter,
            "filters": [(key, label) for key, (label, _states) in selectors.INBOX_FILTERS.items()],
            "now": timezone.now(),
        }


# --- evidence limits ---------------------------------------------------------------------------------
class TooManyEvidenceFiles(services.DisputeError):
    field = "evidence"


@contextmanager
def evidence_counted(user, files: list | None) -> Iterator[None]:
    """Count uploaded evidence files against the user's share per window (``disputes.policy``) in
    one transaction with the block that stores them: files of an action refused for another
    reason are not counted. Without files, the block runs as it is.

    :raises TooManyEvidenceFiles: these files would take the user over the limit; nothing is stored
    """
    if not files:
        yield
        return
    with transaction.atomic():
        try:
            ratelimit.consume(
                scope="evidence",
                key=str(user.pk),
                rate=ratelimit.Rate(policy.MAX_EVIDENCE_FILES_PER_WINDOW, policy.EVIDENCE_RATE_WINDOW),
                now=timezone.now(),
                amount=len(files),
            )
        except ratelimit.RateLimited as limited:
            raise TooManyEvidenceFiles(
                _(
                    "These files would take you past the limit of %(count)d files an hour. "
                    "Please try again after %(time)s."
                )
                % {"count": policy.MAX_EVIDENCE_FILES_PER_WINDOW, "time": limited.retry_time}
            ) from None
        yield


# --- opening ---------------------------------------------------------------------------------------
class OpenDisputeView(LoginRequiredMixin, View):
    template_name = "disputes/dispute_open.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            self.order = order_permissions.get_order_for_user(request.user, kwargs["number"])
            if not order_permissions.is_order_buyer(self.order, request.user):
                raise Http404("Only the buyer can open a dispute.")
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request: HttpRequest, form, status: int = 200, refusal: str = "") -> HttpResponse:
        context = {
            "order": self.order,
            "form": form,
            "refusal": refusal,
            "return_policy": return_policy_summary(self.order),
            "window": permissions.dispute_window(self.order),
            "seller_days": policy.SELLER_RESPONSE_WINDOW.days,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        try:
            permissions.check_can_open(order=self.order, buyer=request.user, now=timezone.now())
        except services.DisputeError as refusal:
            return self._render(request, None, refusal=str(refusal))
        return self._render(request, forms.OpenDisputeForm(order=self.order, action=request.path))

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        form = forms.OpenDisputeForm(request.POST, request.FILES, order=self.order, action=request.path)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        claim = services.DisputeClaim(
            reason=data["reason"],
            item_received=data["item_received"],
            items=data["items"],
            amount=data["amount"],
            with_return=data["with_return"],
            description=data["description"],
            evidence=data["evidence"],
        )
        try:
            with evidence_counted(request.user, data["evidence"]):
                dispute = services.open_dispute(
                    order=self.order, buyer=request.user, claim=claim, now=timezone.now()
                )
        except services.DisputeError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error))
            return self._render(request, form, status=400)
        messages.success(
            request, _("Dispute opened. The seller has been told and has until the deadline to answer.")
        )
        return HttpResponseRedirect(reverse("disputes:detail", args=[dispute.pk]))


# --- the dispute page --------------------------------------------------------------------------------
class DisputeViewMixin(LoginRequiredMixin):
    """Loads the dispute through the gatekeeper: a stranger's dispute is a 404."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            self.dispute = permissions.get_dispute_for_user(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


ACTION_FORMS = {
    "counter_offer": forms.CounterOfferForm,
    "reject_request": forms.RejectForm,
    "modify_request": forms.TermsForm,
    "escalate": forms.NoteForm,
    "ship_return": forms.ReturnShipmentForm,
    "report_return_problem": forms.ReturnProblemForm,
    "provide_evidence": forms.EvidenceForm,
}
ACTION_FORM_OPTIONS = {
    "modify_request": {"submit": gettext_lazy("Send changed request")},
    "escalate": {"submit": gettext_lazy("Escalate to a mediator"), "css": "btn-warning"},
    "provide_evidence": {"submit": gettext_lazy("Send to the mediator"), "require_files": False},
}


def form_ids(name: str) -> str:
    """Element ids for one action form: the page holds several forms with the same field names,
    and each <label for> must point at its own form's field."""
    return f"id_{name}_%s"


def dispute_page_context(request: HttpRequest, dispute: Dispute, bound: dict | None = None) -> dict:
    """Everything the dispute page shows to this viewer, precomputed for the template."""
    dispute = selectors.dispute_for_page(dispute)
    user = request.user
    # A deadline that passed holds even before the sweep applies it: say what it does, offer nothing.
    deadline_passed = (
        selectors.passed_deadline_sentence(dispute) if dispute.deadline_due(timezone.now()) else ""
    )
    actions = set() if deadline_passed else permissions.available_dispute_actions(dispute, user)
    bound = bound or {}
    action_forms = {}
    # In ACTION_FORMS order: a set's order changes from one server start to the next.
    for name in (name for name in ACTION_FORMS if name in actions):
        options = dict(ACTION_FORM_OPTIONS.get(name, {}))
        if name in ("counter_offer", "modify_request"):
            options["currency"] = dispute.currency
        action_forms[name] = bound.get(name) or ACTION_FORMS[name](
            action=reverse(f"disputes:{name}", args=[dispute.pk]), auto_id=form_ids(name), **options
        )
    can_add_evidence = not deadline_passed and permissions.can_add_evidence(dispute, user)
    can_extend = not deadline_passed and permissions.can_extend_deadline(dispute, user)
    return {
        "dispute": dispute,
        "order": dispute.order,
        "refunds": selectors.dispute_refunds(dispute),
        "viewer_party": permissions.viewer_party(dispute, user),
        "viewer_is_buyer": permissions.is_dispute_buyer(dispute, user),
        "actions": actions,
        "deadline_passed": deadline_passed,
        "action_forms": action_forms,
        "latest_offer": selectors.open_counter_offer(dispute),
        "timeline": selectors.timeline(dispute),
        "deadline_sentence": selectors.deadline_sentence(dispute),
        "who_must_act": selectors.who_must_act(dispute),
        "required_action": selectors.required_action(dispute),
        "outcome_sentence": selectors.outcome_sentence(dispute),
        "evidence_form": bound.get("add_evidence")
        or (
            forms.EvidenceForm(
                action=reverse("disputes:add_evidence", args=[dispute.pk]), auto_id=form_ids("add_evidence")
            )
            if can_add_evidence
            else None
        ),
        "extend_form": bound.get("extend_deadline")
        or (
            forms.ExtendDeadlineForm(
                action=reverse("disputes:extend_deadline", args=[dispute.pk]),
                auto_id=form_ids("extend_deadline"),
            )
            if can_extend
            else None
        ),
        "can_view_originals": permissions.can_view_originals(user),
        **line_rulings_context(dispute),
        **appeal_context(request, dispute, bound),
        "confirmations": confirmations.confirmations_for_page(dispute, actions),
        **page_wording.page_facts(dispute, user, timezone.now()),
    }


class DisputeDetailView(DisputeViewMixin, View):
    """The case for one party: the state, the deadline in words, the history and the actions."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, "disputes/dispute_detail.html", dispute_page_context(request, self.dispute))


class DisputeActionView(DisputeViewMixin, View):
    """POST-only action: validate the form, call one service, report the outcome."""

    name = ""
    form_class = None
    success_message = ""

    def perform(self, data: dict) -> None:
        raise NotImplementedError

    def build_form(self, request: HttpRequest):
        options = dict(ACTION_FORM_OPTIONS.get(self.name, {}))
        if self.name in ("counter_offer", "modify_request"):
            options["currency"] = self.dispute.currency
        return self.form_class(
            request.POST, request.FILES, action=request.path, auto_id=form_ids(self.name), **options
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.name in confirmations.FINAL_ACTIONS and not is_confirmed(request):
            return confirmations.review_or_refuse(request, self.dispute, self.name)
        form = self.build_form(request) if self.form_class else None
        if form is not None and not form.is_valid():
            context = dispute_page_context(request, self.dispute, bound={self.name: form})
            return render(request, "disputes/dispute_detail.html", context, status=400)
        try:
            data = form.cleaned_data if form is not None else {}
            with evidence_counted(request.user, data.get("evidence")):
                self.perform(data)
        except services.DisputeError as error:
            if form is not None and error.field in form.fields:
                form.add_error(error.field, str(error))
                context = dispute_page_context(request, self.dispute, bound={self.name: form})
                return render(request, "disputes/dispute_detail.html", context, status=400)
            messages.error(request, str(error))
        else:
            messages.success(request, self.success_message)
        return HttpResponseRedirect(reverse("disputes:detail", args=[pk]))


def _now():
    return timezone.now()


class AcceptRequestView(DisputeActionView):
    name = "accept_request"
    success_message = gettext_lazy("You accepted the request. The buyer has been told.")

    def perform(self, data: dict) -> None:
        services.accept_request(dispute=self.dispute, seller=self.request.user, now=_now())


class CounterOfferView(DisputeActionView):
    name = "counter_offer"
    form_class = forms.CounterOfferForm
    success_message = gettext_lazy("Counter-offer sent. The buyer has been told.")

    def perform(self, data: dict) -> None:
        services.counter_offer(
            dispute=self.dispute,
            seller=self.request.user,
            amount=data["amount"],
            with_return=data["with_return"],
            note=data["note"],
            evidence=data["evidence"],
            now=_now(),
        )


class RejectRequestView(DisputeActionView):
    name = "reject_request"
    form_class = forms.RejectForm
    success_message = gettext_lazy(
        "Request rejected. The buyer can now change the request, escalate or withdraw."
    )

    def perform(self, data: dict) -> None:
        services.reject_request(
            dispute=self.dispute,
            seller=self.request.user,
            note=data["note"],
            evidence=data["evidence"],
            now=_now(),
        )


class AcceptOfferView(DisputeActionView):
    name = "accept_offer"
    success_message = gettext_lazy("Offer accepted. Its terms are now locked.")

    def perform(self, data: dict) -> None:
        services.accept_offer(dispute=self.dispute, buyer=self.request.user, now=_now())


class ModifyRequestView(DisputeActionView):
    name = "modify_request"
    form_class = forms.TermsForm
    success_message = gettext_lazy("Request changed. The seller has been told.")

    def perform(self, data: dict) -> None:
        services.modify_request(
            dispute=self.dispute,
            buyer=self.request.user,
            amount=data["amount"],
            with_return=data["with_return"],
            note=data["note"],
            now=_now(),
        )


class EscalateView(DisputeActionView):
    name = "escalate"
    form_class = forms.NoteForm
    success_message = gettext_lazy("Escalated. A mediator will review the case.")

    def perform(self, data: dict) -> None:
        services.escalate_dispute(dispute=self.dispute, user=self.request.user, note=data["note"], now=_now())


class WithdrawView(DisputeActionView):
    name = "withdraw"
    success_message = gettext_lazy("Dispute withdrawn.")

    def perform(self, data: dict) -> None:
        services.withdraw_dispute(dispute=self.dispute, buyer=self.request.user, now=_now())


class ShipReturnView(DisputeActionView):
    name = "ship_return"
    form_class = forms.ReturnShipmentForm
    success_message = gettext_lazy("Return recorded. The seller has been told to expect it.")

    def perform(self, data: dict) -> None:
        services.ship_return(
            dispute=self.dispute,
            buyer=self.request.user,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            now=_now(),
        )


class ConfirmReturnView(DisputeActionView):
    name = "confirm_return_received"
    success_message = gettext_lazy("Return confirmed. The refund is on its way to the buyer.")

    def perform(self, data: dict) -> None:
        services.confirm_return_received(dispute=self.dispute, seller=self.request.user, now=_now())


class ReturnProblemView(DisputeActionView):
    name = "report_return_problem"
    form_class = forms.ReturnProblemForm
    success_message = gettext_lazy("Problem reported. A mediator will review the case.")

    def perform(self, data: dict) -> None:
        services.report_return_problem(
            dispute=self.dispute,
            seller=self.request.user,
            note=data["note"],
            evidence=data["evidence"],
            now=_now(),
        )


class ProvideEvidenceView(DisputeActionView):
    name = "provide_evidence"
    form_class = forms.EvidenceForm
    success_message = gettext_lazy("Sent. The mediator has been told.")

    def perform(self, data: dict) -> None:
        services.provide_evidence(
            dispute=self.dispute,
            user=self.request.user,
            note=data["note"],
            files=data["evidence"],
            now=_now(),
        )


class AddEvidenceView(DisputeActionView):
    name = "add_evidence"
    form_class = forms.EvidenceForm
    success_message = gettext_lazy("Evidence added.")

    def build_form(self, request: HttpRequest):
        return self.form_class(request.POST, request.FILES, action=request.path, auto_id=form_ids(self.name))

    def perform(self, data: dict) -> None:
        services.add_evidence(
            dispute=self.dispute,
            user=self.request.user,
            files=data["evidence"],
            note=data["note"],
            now=_now(),
        )


class ExtendDeadlineView(DisputeActionView):
    name = "extend_deadline"
    form_class = forms.ExtendDeadlineForm
    success_message = gettext_lazy("Deadline extended.")

    def build_form(self, request: HttpRequest):
        return self.form_class(request.POST, action=request.path, auto_id=form_ids(self.name))

    def perform(self, data: dict) -> None:
        services.extend_deadline(dispute=self.dispute, user=self.request.user, days=data["days"], now=_now())


# --- evidence files ------------------------------------------------------------------------------------
class EvidenceFileView(LoginRequiredMixin, View):
    """Serves evidence to the dispute's parties and mediators only; originals to mediators only."""

    VARIANTS = ("display", "thumb", "original")

    def get(self, request: HttpRequest, public_id, variant: str) -> HttpResponse:
        evidence = permissions.get_evidence_for_user(request.user, public_id)
        if variant not in self.VARIANTS:
            raise Http404("No such file.")
        if variant == "original":
            if not permissions.can_view_originals(request.user):
                raise Http404("No such file.")
            return uploads.private_file_response(
                evidence.original,
                download_name=uploads.safe_download_name(evidence.original_name, evidence.extension),
                content_type=evidence.content_type,
                inline=False,
                request=request,
            )
        if evidence.kind == evidence.Kind.VIDEO:
            # Videos are checked by structure and served as received, with ranges for seeking.
            return uploads.private_file_response(
                evidence.original,
                download_name=uploads.safe_download_name(evidence.original_name, evidence.extension),
                content_type=evidence.content_type,
                inline=True,
                request=request,
            )
        file_field = evidence.thumbnail if variant == "thumb" else evidence.display
        if not file_field:
            raise Http404("Not available.")
        return uploads.private_file_response(
            file_field,
            download_name=f"evidence-{evidence.public_id}.jpg",
            content_type="image/jpeg",
            inline=True,
            request=request,
        )
