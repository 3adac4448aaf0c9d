from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path(
        "attachments/<uuid:public_id>/<str:variant>/",
        views.AttachmentView.as_view(),
        name="attachment",
    ),
    path("<str:order_number>/", views.ConversationView.as_view(), name="conversation"),
]
