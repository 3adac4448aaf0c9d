"""Activates the signed-in user's time zone and language for the request."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            with timezone.override(None):
                return self._respond(request)
        # Overrides, not activations: the thread gets its previous language and zone back, so the
        # next request it serves (or the next test) does not start in this user's settings.
        with translation.override(user.language), timezone.override(_zone(user.time_zone)):
            request.LANGUAGE_CODE = translation.get_language()
            return self._respond(request)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
