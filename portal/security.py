"""Login throttling glue for django-axes: who the client is, and the page a locked-out login gets."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str:
    """The address that counts for lockouts.

    Without trusted proxies it is the socket's ``REMOTE_ADDR``: a client-sent
    ``X-Forwarded-For`` must not let an attacker rotate addresses to dodge the lockout. Behind
    ``TRUSTED_PROXIES`` proxies it is the address the outermost of them saw.
    """
    hops = getattr(settings, "TRUSTED_PROXIES", 0)
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with a page that says the login is paused and from when it may be tried again."""
    cooloff = settings.AXES_COOLOFF_TIME
    retry_at = timezone.localtime(timezone.now() + cooloff)
    context = {
        "minutes": int(cooloff.total_seconds() // 60),
        "retry_at": retry_at,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "registration/lockout.html", context, status=429)
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
