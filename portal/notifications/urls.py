from django.urls import path

from portal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("read/", views.MarkAllReadView.as_view(), name="mark_all_read"),
    path("<int:pk>/open/", views.OpenNotificationView.as_view(), name="open"),
]
