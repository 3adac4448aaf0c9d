"""The in-app notification list: newest first, with "mark all read"."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.notifications import services
from portal.notifications.models import Notification


class NotificationListView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/notification_list.html"

    def get_context_data(self, **kwargs) -> dict:
        notifications = Notification.objects.filter(recipient=self.request.user).order_by(
            "-created_at", "-id"
        )
        page = Paginator(notifications, 30).get_page(self.request.GET.get("page"))
        return {**super().get_context_data(**kwargs), "page": page}


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        count = services.mark_all_read(user=request.user, now=timezone.now())
        messages.success(request, _("Marked %(count)d notifications as read.") % {"count": count})
        return redirect("notifications:list")
