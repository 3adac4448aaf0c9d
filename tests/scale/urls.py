"""The portal's URLs plus a bare view, mounted only by ``portal.settings.bench`` (the benchmark
and its web server), never by the site itself."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    """The cheapest page Django can serve through the portal's middleware: the baseline."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("__bench__/bare/", bare, name="bench_bare"), *portal_urlpatterns]
