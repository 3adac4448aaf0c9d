"""The parties' appeal actions on the dispute page: file an appeal, answer one. Each view
validates, makes one service call and comes back to the dispute page."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes import appeal_selectors, forms, services
from disputes.views import DisputeActionView


class FileAppealView(DisputeActionView):
    name = "file_appeal"
    form_class = forms.AppealForm
    success_message = _(
        "Appeal filed. The other party has been told; a different mediator will decide, "
        "and that decision is final."
    )

    def build_form(self, request: HttpRequest):
        return self.form_class(request.POST, request.FILES, action=request.path, auto_id=f"id_{self.name}_%s")

    def perform(self, data: dict) -> None:
        services.file_appeal(
            dispute=self.dispute,
            user=self.request.user,
            reason=data["reason"],
            files=data["evidence"],
            now=timezone.now(),
        )


class AnswerAppealView(FileAppealView):
    name = "answer_appeal"
    form_class = forms.AppealAnswerForm
    success_message = _("Answer sent. A different mediator will now decide the appeal.")

    def perform(self, data: dict) -> None:
        appeal = appeal_selectors.existing_appeal(self.dispute)
        if appeal is None:
            raise services.ActionNotAllowed(_("This decision has not been appealed."))
        services.answer_appeal(
            appeal=appeal,
            user=self.request.user,
            text=data["answer"],
            files=data["evidence"],
            now=timezone.now(),
        )
