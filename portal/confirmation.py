"""A second step before an action that cannot be undone.

The page renders the action's button in a form without ``confirm``; with JavaScript,
``static/js/confirm.js`` opens the action's modal, whose own form posts ``confirm=1``. Without
JavaScript the first post reaches the view unconfirmed, and the view answers with a review page
that names the consequence and posts again with ``confirm=1``. Either way the view calls its
service only for a confirmed post.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

FIELD = "confirm"


@dataclass(frozen=True)
class Confirmation:
    """What the second step says: a question, the consequence (with the amount) and the button."""

    #: The form's name, unique on its page: the modal's id is ``confirm-<name>``.
    name: str
    title: str
    consequence: str
    button: str
    #: Bootstrap's colour of the confirming button: ``danger`` for giving something up.
    tone: str = "primary"


def is_confirmed(request: HttpRequest) -> bool:
    """The post came from the confirmation step (the modal or the review page)."""
    return request.POST.get(FIELD) == "1"


def review_page(
    request: HttpRequest,
    *,
    confirmation: Confirmation,
    action: str,
    back_url: str,
    back_text: str,
    fields: dict | None = None,
    template: str = "includes/confirm_review.html",
) -> HttpResponse:
    """The page that asks again, for a browser without JavaScript: it posts ``fields`` back to
    ``action`` with ``confirm=1``."""
    context = {
        "confirmation": confirmation,
        "action": action,
        "back_url": back_url,
        "back_text": back_text,
        "fields": sorted((fields or {}).items()),
    }
    return render(request, template, context)
