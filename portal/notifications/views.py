"""The in-app notification list: newest first, each opened through a read receipt, and
"mark all read"."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from portal.notifications import services
from portal.notifications.models import Notification
from portal.notifications.permissions import get_notification_for_user
from portal.paging import KeysetPaginator

PAGE_SIZE = 30


class NotificationListView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/notification_list.html"

    def get_context_data(self, **kwargs) -> dict:
        notifications = Notification.objects.filter(recipient=self.request.user).order_by(
            "-created_at", "-id"
        )
        page = KeysetPaginator(notifications, PAGE_SIZE).get_page(self.request.GET)
        return {**super().get_context_data(**kwargs), "page": page, "now": timezone.now()}


class OpenNotificationView(LoginRequiredMixin, View):
    """Clicking a notification posts here: it is marked read, then its page opens."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = get_notification_for_user(request.user, pk)
        services.mark_notification_read(notification=notification, now=timezone.now())
        if notification.url and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(notification.url)
        return redirect("notifications:list")


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        count = services.mark_all_read(user=request.user, now=timezone.now())
        messages.success(
            request,
            ngettext(
                "Marked %(count)d notification as read.", "Marked %(count)d notifications as read.", count
            )
            % {"count": count},
        )
        return redirect("notifications:list")
