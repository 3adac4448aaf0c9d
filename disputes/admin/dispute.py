"""The mediation console: the queue, the case page, the mediator's decisions and the statistics.

Nothing here changes a dispute by itself. Every button posts to a small admin view that makes one
call to the same service the site uses, so events, notifications and refunds follow exactly as
they do for the buyer and the seller.
"""

from collections.abc import Callable
from copy import copy
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from disputes import selectors as dispute_selectors
from disputes import services
from disputes.admin import confirm, filters, forms, line_rulings
from disputes.admin import selectors as admin_selectors
from disputes.admin.case import case_context
from disputes.admin.search import search_disputes
from disputes.admin.statistics import MEDIATOR_COLUMNS, decisions_chart, duration_text, mediator_rows
from disputes.appeal_selectors import appeal_statistics
from disputes.models import Dispute, Party
from disputes.roles import DECIDE, MEDIATE, REQUEST_EVIDENCE
from disputes.tallies import DECIDED
from portal.admin_site import ListColumnsMixin, ReadOnlyAdminMixin
from portal.confirmation import is_confirmed
from portal.paging import CONSOLE_PAGE_SIZE, CappedPaginator


@admin.register(Dispute)
class DisputeAdmin(ListColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    result_count_label = ngettext_lazy("%(count)d dispute", "%(count)d disputes", "count")
    list_display = [
        "order_number",
        "buyer_column",
        "seller_column",
        "amount_asked",
        "reason",
        "state",
        "deadline",
        "flagged_buyer",
        "assigned_mediator",
    ]
    list_display_links = ["order_number"]
    list_filter = [
        filters.QueueStateFilter,
        "reason",
        ("order__shipment__carrier", admin.ChoicesFieldListFilter),
        filters.DestinationCountryFilter,
        filters.AmountBandFilter,
        filters.FlaggedBuyerFilter,
        filters.OverdueFilter,
        filters.AssignedFilter,
    ]
    list_select_related = ["order", "buyer", "store", "store__owner", "assigned_mediator"]
    # The state fields are read by django-fsm as each row is made.
    list_columns = [
        "order__number",
        "order__state",
        "buyer__username",
        "store__name",
        "store__owner__username",
        "requested_amount",
        "currency",
        "reason",
        "state",
        "deadline_at",
        "assigned_mediator__username",
        "assigned_mediator__first_name",
        "assigned_mediator__last_name",
    ]
    # The search itself is ``get_search_results``; this only turns the search box on.
    search_fields = ["order__number"]
    search_help_text = gettext_lazy(
        "Dispute number (D-2 or 2), order number or its start, or the start of the buyer's or the "
        "seller's username or e-mail, or of the store's name."
    )
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = CONSOLE_PAGE_SIZE
    actions = ["assign_to_me"]
    fields = ["state"]
    change_form_template = "admin/disputes/dispute/change_form.html"
    change_list_template = "admin/disputes/dispute/change_list.html"

    # --- integrity: the admin never writes a dispute itself (ReadOnlyAdminMixin) -----------------------
    def has_mediate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MEDIATE)

    # --- the queue -----------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispute]:
        return admin_selectors.annotate_queue(super().get_queryset(request), now=timezone.now())

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        """The dispute, with its order (its name shows the order number), loaded once per request:
        the case page loads the whole case first (``load_case``), and Django's change view then
        asks for it here."""
        return self._loaded(
            request, object_id, from_field, lambda queryset, name, value: queryset.get(**{name: value})
        )

    def load_case(self, request: HttpRequest, object_id: str) -> Dispute | None:
        """The dispute with everything the case page shows, into the memo ``get_object`` reads."""

        def load(queryset: QuerySet[Dispute], name: str, value: object) -> Dispute:
            return admin_selectors.case_for_mediator(queryset, value)

        return self._loaded(request, object_id, None, load)

    def _loaded(
        self,
        request: HttpRequest,
        object_id: str,
        from_field: str | None,
        load: Callable[[QuerySet[Dispute], str, object], Dispute],
    ) -> Dispute | None:
        loaded = request.__dict__.setdefault("_disputes_loaded", {})
        if (object_id, from_field) not in loaded:
            field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
            queryset = self.get_queryset(request).select_related("order")
            try:
                loaded[object_id, from_field] = load(queryset, field.name, field.to_python(object_id))
            except (Dispute.DoesNotExist, ValidationError, ValueError):
                loaded[object_id, from_field] = None
        return loaded[object_id, from_field]

    def get_ordering(self, request: HttpRequest) -> list:
        state = request.GET.get(filters.QueueStateFilter.parameter_name) or filters.QueueStateFilter.DEFAULT
        return admin_selectors.queue_ordering(state)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Dispute], search_term: str):
        return search_disputes(queryset, search_term), False

    @admin.display(description=gettext_lazy("order"), ordering="order__number")
    def order_number(self, dispute: Dispute) -> str:
        return format_html('{}<br><span class="quiet">{}</span>', dispute.order.number, dispute.reference)

    @admin.display(description=gettext_lazy("buyer"), ordering="buyer__username")
    def buyer_column(self, dispute: Dispute) -> str:
        return dispute.buyer.username

    @admin.display(description=gettext_lazy("seller"), ordering="store__name")
    def seller_column(self, dispute: Dispute) -> str:
        return format_html("{}<br><small>{}</small>", dispute.store.name, dispute.store.owner.username)

    @admin.display(description=gettext_lazy("amount asked"), ordering="requested_amount")
    def amount_asked(self, dispute: Dispute) -> str:
        return f"{dispute.requested_amount} {dispute.currency}"

    @admin.display(description=gettext_lazy("deadline"), ordering="deadline_at")
    def deadline(self, dispute: Dispute) -> str:
        if dispute.deadline_at is None:
            return "—"
        local = formats.date_format(timezone.localtime(dispute.deadline_at), "j M, H:i")
        if dispute.is_overdue:
            return format_html(
                '<span class="queue-overdue">{}<br>{}</span>',
                local,
                _("overdue by %(time)s") % {"time": timesince(dispute.deadline_at, depth=1)},
            )
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            local,
            _("in %(time)s") % {"time": timeuntil(dispute.deadline_at, depth=1)},
        )

    @admin.display(description=gettext_lazy("flagged buyer"), ordering="buyer_flagged")
    def flagged_buyer(self, dispute: Dispute) -> str:
        labels = []
        if dispute.buyer_blacklisted:
            labels.append(format_html('<span class="flag bad">{}</span>', _("blacklisted")))
        if dispute.buyer_flagged:
            labels.append(format_html('<span class="flag warn">{}</span>', _("flagged")))
        return format_html_join(" ", "{}", ((label,) for label in labels)) if labels else ""

    @admin.action(description=gettext_lazy("Assign to me"), permissions=["mediate"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        now = timezone.now()
        assigned, refused = 0, []
        for dispute in queryset.order_by("id"):
            try:
                services.assign_to_mediator(dispute=dispute, mediator=request.user, now=now)
            except services.DisputeError as error:
                refused.append(f"{dispute.reference}: {error}")
            else:
                assigned += 1
        if assigned:
            self.message_user(
                request,
                ngettext(
                    "%(count)d dispute assigned to you.", "%(count)d disputes assigned to you.", assigned
                )
                % {"count": assigned},
                messages.SUCCESS,
            )
        for refusal in refused:
            self.message_user(request, refusal, messages.ERROR)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            "title": _("Mediation queue"),
            **(extra_context or {}),
            "statistics_url": reverse("admin:disputes_dispute_statistics"),
        }
        return super().changelist_view(request, extra_context)

    # --- the case page ---------------------------------------------------------------------------------
    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = dict(extra_context or {})
        bound = extra_context.pop("bound_forms", {})
        if self.has_view_permission(request):
            dispute = self.load_case(request, unquote(object_id))
            if dispute is not None:
                extra_context.update(
                    case_context(user=request.user, dispute=dispute, bound=bound, now=timezone.now())
                )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- the mediator's actions ---------------------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("statistics/", wrap(self.statistics_view), name="disputes_dispute_statistics"),
            path("<int:pk>/assign/", wrap(self.assign_view), name="disputes_dispute_assign"),
            path(
                "<int:pk>/request-evidence/",
                wrap(self.request_evidence_view),
                name="disputes_dispute_request_evidence",
            ),
            path("<int:pk>/decide/", wrap(self.decide_view), name="disputes_dispute_decide"),
            path(
                "<int:pk>/decide-lines/",
                wrap(partial(line_rulings.decide_lines_view, self)),
                name="disputes_dispute_decide_lines",
            ),
            path("<int:pk>/note/", wrap(self.note_view), name="disputes_dispute_note"),
            *super().get_urls(),
        ]

    def _act(
        self,
        request: HttpRequest,
        pk: int,
        *,
        name: str,
        permission: str,
        perform: Callable[[Dispute, dict], str],
        form: Form | None = None,
        review: Callable[[HttpRequest, Dispute, dict], HttpResponse] | None = None,
    ) -> HttpResponse:
        """Gate, validate, make the one service call, and come back to the case page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(permission):
            raise PermissionDenied
        dispute = get_object_or_404(Dispute, pk=pk)
        if form is not None and not form.is_valid():
            return self._case_with_errors(request, pk, name, form)
        if review is not None and not is_confirmed(request):
            # A decision is final: the mediator sees its outcome and amount and confirms it first.
            return review(request, dispute, form.cleaned_data if form is not None else {})
        try:
            success = perform(dispute, form.cleaned_data if form is not None else {})
        except services.DisputeError as error:
            if form is not None and error.field in form.fields:
                form.add_error(error.field, str(error))
                return self._case_with_errors(request, pk, name, form)
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.log_change(request, dispute, success)
            self.message_user(request, success, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:disputes_dispute_change", args=[pk]))

    def _case_with_errors(self, request: HttpRequest, pk: int, name: str, form: Form) -> HttpResponse:
        """The case page again, with the form as typed and its errors beside the fields."""
        page_request = copy(request)
        page_request.method = "GET"
        response = self.change_view(page_request, str(pk), extra_context={"bound_forms": {name: form}})
        response.status_code = 400
        return response

    def assign_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def perform(dispute: Dispute, data: dict) -> str:
            services.assign_to_mediator(dispute=dispute, mediator=request.user, now=timezone.now())
            return _("The case is assigned to you.")

        return self._act(request, pk, name="assign", permission=MEDIATE, perform=perform)

    def request_evidence_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        now = timezone.now()

        def perform(dispute: Dispute, data: dict) -> str:
            services.request_evidence(
                dispute=dispute,
                mediator=request.user,
                party=data["party"],
                note=data["note"],
                due_at=data["due_at"],
                now=now,
            )
            return _("Evidence requested from the %(party)s. They have been told.") % {
                "party": Party(data["party"]).label.lower()
            }

        form = forms.RequestEvidenceForm(request.POST, now=now, auto_id="id_evidence_%s")
        return self._act(
            request, pk, name="request_evidence", permission=REQUEST_EVIDENCE, perform=perform, form=form
        )

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def perform(dispute: Dispute, data: dict) -> str:
            decided = services.decide_dispute(
                dispute=dispute,
                mediator=request.user,
                decision=data["decision"],
                amount=data["amount"],
                note=data["note"],
                now=timezone.now(),
            )
            return _("Decided: %(decision)s. %(outcome)s Both parties have been told.") % {
                "decision": services.Decision(data["decision"]).label,
                "outcome": dispute_selectors.next_step_sentence(decided),
            }

        decision = request.POST.get("decision", "")
        form = forms.DecideForm(request.POST, auto_id=f"id_{decision}_%s")
        return self._act(
            request,
            pk,
            name="decide",
            permission=DECIDE,
            perform=perform,
            form=form,
            review=lambda request, dispute, data: confirm.review_decision(
                request, dispute, data, frame=self.admin_site.each_context(request)
            ),
        )

    def note_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def perform(dispute: Dispute, data: dict) -> str:
            services.post_mediator_message(
                dispute=dispute, mediator=request.user, text=data["text"], now=timezone.now()
            )
            return _("Note posted. The buyer and the seller see it on their dispute page.")

        form = forms.MediatorNoteForm(request.POST, auto_id="id_note_%s")
        return self._act(request, pk, name="note", permission=MEDIATE, perform=perform, form=form)

    # --- statistics ------------------------------------------------------------------------------------
    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        stats = admin_selectors.team_statistics(now=timezone.now())
        mediators = mediator_rows(stats)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Mediation statistics"),
            "opts": self.opts,
            "stats": stats,
            "median_to_decision": duration_text(stats.median_time_to_decision),
            "sellers": [(row, duration_text(row.median_first_response)) for row in stats.sellers],
            "chart": decisions_chart(stats.weeks),
            "mediator_columns": MEDIATOR_COLUMNS,
            "mediators": mediators,
            "queue_url": reverse("admin:disputes_dispute_changelist"),
            "appeal_rows": appeal_statistics(
                since=stats.since,
                decided={pk: counts[DECIDED] for pk, counts in stats.mediator_counts.items()},
                people={row.mediator.pk: row.mediator for row in mediators},
            ),
        }
        return TemplateResponse(request, "admin/disputes/dispute/statistics.html", context)
