"""Mediators read the conversations of disputed orders here, and may post into them. Nothing in
a conversation can be added, changed or deleted through the admin: it is evidence.

The disputes app registers it: which conversations a mediator reads depends on disputes, and
messaging sits a layer below disputes."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from disputes.models import Dispute
from messaging import policy, roles, services
from messaging.models import Conversation, Message, MessageAttachment
from portal import querying
from portal.admin_site import ListColumnsMixin, ReadOnlyAdminMixin
from portal.paging import CONSOLE_PAGE_SIZE, CappedPaginator


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    fields = ["created_at", "sender", "sender_party", "body", "photos"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return (
            super()
            .get_queryset(request)
            .select_related("sender")
            .prefetch_related(Prefetch("attachments", queryset=MessageAttachment.objects.order_by("id")))
            .order_by("created_at", "id")
        )

    @admin.display(description=_("photos"))
    def photos(self, message: Message) -> str:
        return format_html_join(
            " ",
            '<a href="{}" target="_blank" rel="noopener" title="SHA-256 {}">{}</a>',
            (
                (
                    reverse("messaging:attachment", args=[photo.public_id, "display"]),
                    photo.sha256,
                    photo.original_name,
                )
                for photo in message.attachments.all()
                if photo.is_ready
            ),
        )


@admin.register(Conversation)
class ConversationAdmin(ListColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    result_count_label = ngettext_lazy("%(count)d conversation", "%(count)d conversations", "count")
    list_display = ["order", "last_message_at", "message_count"]
    list_select_related = ["order"]
    list_columns = ["last_message_at", "order__number", "order__state"]
    # The start of the order number, as written: the number's own index serves it.
    search_fields = ["order__number__startswith"]
    search_help_text = _("The start of the order number, as written (AE-1…).")
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = CONSOLE_PAGE_SIZE
    fields = ["order", "created_at", "last_message_at"]
    readonly_fields = fields
    inlines = [MessageInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        # Mediators read the conversations of disputed orders only (issue 4, point 1).
        return (
            super()
            .get_queryset(request)
            .filter(Exists(Dispute.objects.filter(order=OuterRef("order"))))
            # A correlated count, not a join + GROUP BY over every conversation: the page's rows
            # are read newest first from the ``last_message_at`` index and cut before counting.
            .annotate(
                message_count=querying.aggregate_per_row(
                    Message.objects.filter(conversation=OuterRef("pk")), Count("*"), per="conversation"
                )
            )
            .order_by("-last_message_at", "-id")
        )

    @admin.display(description=_("messages"), ordering="message_count")
    def message_count(self, conversation: Conversation) -> int:
        return conversation.message_count

    def get_urls(self):
        return [
            path(
                "<int:pk>/post/",
                self.admin_site.admin_view(self.post_message_view),
                name="messaging_conversation_post",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_post_as_mediator": roles.can_post_as_mediator(request.user),
            "post_url": reverse("admin:messaging_conversation_post", args=[object_id]),
            "max_body_length": policy.MAX_BODY_LENGTH,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def post_message_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A mediator's message into the conversation, shown to both parties."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        conversation = get_object_or_404(self.get_queryset(request).select_related("order"), pk=pk)
        if not self.has_view_permission(request, conversation):
            raise PermissionDenied
        try:
            services.post_mediator_message(
                order=conversation.order,
                mediator=request.user,
                body=request.POST.get("body", ""),
                now=timezone.now(),
            )
        except services.MessagingError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Message posted. The buyer and the seller both see it."))
        return HttpResponseRedirect(reverse("admin:messaging_conversation_change", args=[pk]))
