"""The portal's own error pages where Django needs a view to find them: a refused form (CSRF)
renders ``403_csrf.html`` with the site's navigation, in the user's language."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the form was refused because its security token was missing or
    stale (an old tab, cookies blocked, a session that ended). Nothing was changed."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
