from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from portal.accounts import views

app_name = "accounts"

FORM_PAGE = "registration/form_page.html"
MESSAGE_PAGE = "registration/message_page.html"


def _page(title, message=None) -> dict:
    return {"page_title": title, "page_message": message}


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name=FORM_PAGE,
            extra_context=_page(_("Change password")),
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name=MESSAGE_PAGE,
            extra_context=_page(_("Password changed"), _("Your password was changed.")),
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        views.ThrottledPasswordResetView.as_view(
            template_name=FORM_PAGE,
            extra_context=_page(_("Reset your password")),
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(
            template_name=MESSAGE_PAGE,
            extra_context=_page(
                _("Check your e-mail"),
                _("If an account uses that address, we have sent instructions to choose a new password."),
            ),
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=FORM_PAGE,
            extra_context=_page(_("Choose a new password")),
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=MESSAGE_PAGE,
            extra_context=_page(_("Password set"), _("Your new password is set. You can log in now.")),
        ),
        name="password_reset_complete",
    ),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("email/change/", views.EmailChangeView.as_view(), name="email_change"),
    path("email/confirm/<str:token>/", views.EmailChangeConfirmView.as_view(), name="email_change_confirm"),
]
