"""Account pages. Each view parses, gates, makes one service call, responds."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, UpdateView

from portal import ratelimit
from portal.accounts import services
from portal.accounts.forms import EmailChangeForm, ProfileForm
from portal.security import client_ip


class ProfileView(LoginRequiredMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        messages.success(self.request, _("Profile saved."))
        return super().form_valid(form)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, counted per client address and per e-mail address.

    Whether an account has the address never shows: the same page follows either way, and an
    address that has had its share of e-mails this hour gets that page without another e-mail.
    Only a client over its own limit is told, with a 429 saying from when to try again.
    """

    def form_valid(self, form):
        try:
            send = services.record_password_reset_request(
                email=form.cleaned_data["email"], client=client_ip(self.request), now=timezone.now()
            )
        except ratelimit.RateLimited as limited:
            response = render(
                self.request,
                "registration/password_reset_throttled.html",
                {"retry_time": limited.retry_time},
                status=429,
            )
            response["Retry-After"] = str(limited.retry_after_seconds)
            return response
        if not send:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class EmailChangeView(LoginRequiredMixin, FormView):
    form_class = EmailChangeForm
    template_name = "registration/form_page.html"
    extra_context = {"page_title": gettext_lazy("Change your e-mail address")}

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        new_email = form.cleaned_data["new_email"]
        try:
            services.request_email_change(user=self.request.user, new_email=new_email, now=timezone.now())
        except services.AccountError as error:
            form.add_error("new_email", str(error))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        except ratelimit.RateLimited as limited:
            form.add_error(
                "new_email",
                _("You have asked for several links already. Please try again after %(time)s.")
                % {"time": limited.retry_time},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        messages.success(
            self.request,
            _(
                "We have sent a link to %(email)s. Your e-mail address changes when you follow it; "
                "until then it stays %(current)s."
            )
            % {"email": new_email, "current": self.request.user.email},
        )
        return HttpResponseRedirect(reverse("accounts:profile"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EmailChangeConfirmView(LoginRequiredMixin, View):
    """The link from the e-mail: a GET shows what it will do, only the POST changes the address.

    It works only for the account it was made for, signed in: someone who received it by a typo
    cannot attach their mailbox to another person's account."""

    template_name = "accounts/email_change_confirm.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            change = services.read_email_change(token=token, user=request.user)
        except services.EmailChangeLinkInvalid as error:
            return render(request, self.template_name, {"error": str(error)})
        return render(request, self.template_name, {"new_email": change.new_email})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            user = services.confirm_email_change(token=token, user=request.user)
        except services.AccountError as error:
            return render(request, self.template_name, {"error": str(error)}, status=400)
        messages.success(request, _("Your e-mail address is now %(email)s.") % {"email": user.email})
        return HttpResponseRedirect(reverse("accounts:profile"))
