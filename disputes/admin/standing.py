"""Abuse: buyers flagged by the wins-in-a-row rule, and the blacklist with its recorded reasons."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from disputes import policy, services
from disputes.admin.forms import BlacklistForm
from disputes.models import BuyerStanding, BuyerStandingChange
from disputes.roles import BLACKLIST, VIEW_STANDING
from portal.accounts.models import User
from portal.admin_site import ReadOnlyAdminMixin
from portal.paging import CONSOLE_PAGE_SIZE, CappedPaginator


class BuyerStandingChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Every blacklist decision, newest first: append-only, so nothing here can be changed."""

    model = BuyerStandingChange
    fields = ["created_at", "actor", "blacklisted", "reason"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("blacklist decision")
    verbose_name_plural = gettext_lazy("blacklist decisions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[BuyerStandingChange]:
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(VIEW_STANDING)


def _apply(request: HttpRequest, buyers: list[User], *, blacklisted: bool, reason: str) -> int:
    now = timezone.now()
    for buyer in buyers:
        services.set_buyer_blacklisted(
            buyer=buyer, mediator=request.user, blacklisted=blacklisted, reason=reason, now=now
        )
    return len(buyers)


@admin.register(BuyerStanding)
class BuyerStandingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    result_count_label = ngettext_lazy("%(count)d buyer", "%(count)d buyers", "count")
    list_display = [
        "buyer",
        "buyer_email",
        "flagged",
        "wins_in_a_row",
        "blacklisted",
        "blacklisted_at",
        "blacklisted_by",
        "blacklist_reason",
    ]
    list_filter = ["flagged", "blacklisted"]
    list_select_related = ["buyer", "blacklisted_by"]
    # The start of the username or e-mail, any case: the users' prefix indexes serve it.
    search_fields = ["buyer__username__istartswith", "buyer__email__istartswith"]
    search_help_text = gettext_lazy("The start of the buyer's username or e-mail.")
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = CONSOLE_PAGE_SIZE
    fields = [
        "buyer",
        "flagged",
        "wins_in_a_row",
        "blacklisted",
        "blacklist_reason",
        "blacklisted_at",
        "blacklisted_by",
    ]
    readonly_fields = fields
    inlines = [BuyerStandingChangeInline]
    actions = ["blacklist_buyers", "unblacklist_buyers"]
    change_form_template = "admin/disputes/buyerstanding/change_form.html"

    def has_blacklist_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(BLACKLIST)

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["-flagged", "-blacklisted", "-wins_in_a_row", "id"]

    @admin.display(description=gettext_lazy("e-mail"), ordering="buyer__email")
    def buyer_email(self, standing: BuyerStanding) -> str:
        return standing.buyer.email

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_blacklist": self.has_blacklist_permission(request),
            "flag_threshold": policy.WINS_IN_A_ROW_FLAG,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            "title": _("Buyer standings: flagged and blacklisted buyers first"),
            **(extra_context or {}),
            "flag_threshold": policy.WINS_IN_A_ROW_FLAG,
        }
        return super().changelist_view(request, extra_context)

    # --- blacklisting, with a reason ---------------------------------------------------------------------
    @admin.action(description=gettext_lazy("Blacklist the selected buyers…"), permissions=["blacklist"])
    def blacklist_buyers(self, request: HttpRequest, queryset: QuerySet[BuyerStanding]):
        return self._blacklist_action(request, queryset, blacklisted=True)

    @admin.action(
        description=gettext_lazy("Lift the blacklist of the selected buyers…"), permissions=["blacklist"]
    )
    def unblacklist_buyers(self, request: HttpRequest, queryset: QuerySet[BuyerStanding]):
        return self._blacklist_action(request, queryset, blacklisted=False)

    def _blacklist_action(
        self, request: HttpRequest, queryset: QuerySet[BuyerStanding], *, blacklisted: bool
    ):
        """The action's second step asks for the reason; the third applies it to each buyer."""
        standings = list(queryset.select_related("buyer").order_by("id"))
        form = BlacklistForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                count = _apply(
                    request,
                    [standing.buyer for standing in standings],
                    blacklisted=blacklisted,
                    reason=form.cleaned_data["reason"],
                )
            except services.DisputeError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, self._done_message(blacklisted, count), messages.SUCCESS)
            return None
        return self._reason_page(
            request,
            form=form,
            buyers=[standing.buyer for standing in standings],
            blacklisted=blacklisted,
            action_name="blacklist_buyers" if blacklisted else "unblacklist_buyers",
            selected=[standing.pk for standing in standings],
        )

    def get_urls(self):
        return [
            path(
                "buyer/<int:user_id>/<str:change>/",
                self.admin_site.admin_view(self.set_blacklisted_view),
                name="disputes_buyerstanding_set",
            ),
            *super().get_urls(),
        ]

    def set_blacklisted_view(self, request: HttpRequest, user_id: int, change: str) -> HttpResponse:
        """Blacklist (``change="blacklist"``) or lift it (``"lift"``) for one buyer, with a reason."""
        if not self.has_blacklist_permission(request):
            raise PermissionDenied
        if change not in ("blacklist", "lift"):
            raise PermissionDenied
        buyer = get_object_or_404(User, pk=user_id)
        blacklisted = change == "blacklist"
        form = BlacklistForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                _apply(request, [buyer], blacklisted=blacklisted, reason=form.cleaned_data["reason"])
            except services.DisputeError as error:
                form.add_error("reason", str(error))
            else:
                self.message_user(request, self._done_message(blacklisted, 1), messages.SUCCESS)
                standing = BuyerStanding.objects.get(buyer=buyer)
                return HttpResponseRedirect(
                    reverse("admin:disputes_buyerstanding_change", args=[standing.pk])
                )
        return self._reason_page(request, form=form, buyers=[buyer], blacklisted=blacklisted)

    def _reason_page(
        self,
        request: HttpRequest,
        *,
        form: BlacklistForm,
        buyers: list[User],
        blacklisted: bool,
        action_name: str = "",
        selected: list[int] | None = None,
    ) -> TemplateResponse:
        names = ", ".join(buyer.username for buyer in buyers)
        if blacklisted:
            title = _("Blacklist %(names)s") % {"names": names}
        else:
            title = _("Lift the blacklist of %(names)s") % {"names": names}
        return TemplateResponse(
            request,
            "admin/disputes/buyerstanding/blacklist.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "form": form,
                "buyers": buyers,
                "blacklisted": blacklisted,
                "action_name": action_name,
                "selected": selected or [],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
            status=400 if form.is_bound else 200,
        )

    @staticmethod
    def _done_message(blacklisted: bool, count: int) -> str:
        if blacklisted:
            sentence = ngettext(
                "%(count)d buyer blacklisted: they can no longer open disputes.",
                "%(count)d buyers blacklisted: they can no longer open disputes.",
                count,
            )
        else:
            sentence = ngettext(
                "The blacklist was lifted for %(count)d buyer.",
                "The blacklist was lifted for %(count)d buyers.",
                count,
            )
        return sentence % {"count": count}
