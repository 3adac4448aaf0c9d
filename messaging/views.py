"""Conversation pages. Each view parses, gates, makes one service call, responds."""

import mimetypes
from uuid import UUID

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from messaging import permissions, policy, selectors, services
from messaging.forms import SendMessageForm
from messaging.models import Conversation, Message, Party
from portal import uploads
from portal.paging import KeysetPaginator

#: The derivative each variant of the attachment URL serves; the original is never served.
ATTACHMENT_VARIANTS = {"display": "display", "thumb": "thumbnail"}
#: Re-encoded copies never change, so browsers may keep them (privately) for a day.
ATTACHMENT_MAX_AGE = 24 * 60 * 60


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "messaging/inbox.html"

    def get_context_data(self, **kwargs) -> dict:
        user = self.request.user
        conversations = selectors.inbox_for_user(user=user)
        page = KeysetPaginator(conversations, policy.INBOX_PAGE_SIZE).get_page(self.request.GET)
        for conversation in page.object_list:
            order = conversation.order
            conversation.viewer_is_buyer = order.buyer_id == user.pk
            conversation.counterpart = order.store.name if conversation.viewer_is_buyer else str(order.buyer)
            conversation.last_is_own = conversation.last_sender_id == user.pk
            conversation.last_is_mediator = conversation.last_sender_party == Party.MEDIATOR
        return {**super().get_context_data(**kwargs), "page": page}


def _sender_label(message: Message, conversation: Conversation) -> str:
    if message.is_own:
        return _("You")
    if message.sender_party == Party.MEDIATOR:
        return _("Mediator %(name)s") % {"name": message.sender}
    if message.sender_party == Party.SELLER:
        return conversation.order.store.name
    return str(message.sender)


class ConversationView(LoginRequiredMixin, View):
    """The thread of one order's conversation, and the form to write into it."""

    template_name = "messaging/conversation.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            self.conversation = permissions.get_conversation_for_user(request.user, kwargs["order_number"])
        return super().dispatch(request, *args, **kwargs)

    def page_context(self, form: SendMessageForm) -> dict:
        user = self.request.user
        conversation = self.conversation
        order = conversation.order
        viewer_is_buyer = order.buyer_id == user.pk
        thread = selectors.thread_for_viewer(conversation=conversation, viewer=user)
        read_up_to = selectors.last_read_at(conversation=conversation, user=user)
        first_unread = next(
            (m for m in thread if not m.is_own and (read_up_to is None or m.created_at > read_up_to)), None
        )
        for message in thread:
            message.sender_label = _sender_label(message, conversation)
        return {
            "conversation": conversation,
            "order": order,
            "viewer_is_buyer": viewer_is_buyer,
            "counterpart": order.store.name if viewer_is_buyer else str(order.buyer),
            "thread": thread,
            "first_unread_id": first_unread.pk if first_unread else None,
            "form": form,
        }

    def get(self, request: HttpRequest, order_number: str) -> HttpResponse:
        context = self.page_context(SendMessageForm(action=request.path))
        if self.conversation.pk is not None:
            # The one write on a GET, by design: SPEC "Messaging" says opening a conversation marks
            # it read. It only moves the viewer's own read-receipt timestamp, is idempotent, and
            # changes no domain state, so it is the accepted exception to "state never changes on GET".
            services.mark_conversation_read(
                conversation=self.conversation, user=request.user, now=timezone.now()
            )
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, order_number: str) -> HttpResponse:
        form = SendMessageForm(request.POST, request.FILES, action=request.path)
        if form.is_valid():
            try:
                services.send_message(
                    order=self.conversation.order,
                    sender=request.user,
                    body=form.cleaned_data["body"],
                    photos=form.cleaned_data["photos"],
                    now=timezone.now(),
                )
            except services.InvalidAttachments as error:
                form.add_error("photos", error.messages)
            except services.MessagingError as error:
                form.add_error("body", str(error))
            else:
                url = reverse("messaging:conversation", kwargs={"order_number": order_number})
                return HttpResponseRedirect(f"{url}#latest")
        return render(request, self.template_name, self.page_context(form), status=400)


class AttachmentView(LoginRequiredMixin, View):
    """A photo's re-encoded copy, for whoever may read its conversation; 404 for anyone else."""

    def get(self, request: HttpRequest, public_id: UUID, variant: str) -> FileResponse:
        if variant not in ATTACHMENT_VARIANTS:
            raise Http404("No such photo.")
        attachment = permissions.get_attachment_for_user(request.user, public_id)
        file_field = getattr(attachment, ATTACHMENT_VARIANTS[variant])
        extension = file_field.name.rsplit(".", 1)[-1].lower()
        content_type = mimetypes.guess_type(f"x.{extension}")[0] or "application/octet-stream"
        return uploads.private_file_response(
            file_field,
            download_name=f"photo-{attachment.public_id}-{variant}.{extension}",
            content_type=content_type,
            inline=True,
            max_age=ATTACHMENT_MAX_AGE,
        )
