"""The portal's own 400, 403, 403 (CSRF), 404 and 500 pages, and DEBUG off unless asked for."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import include, path

ROOT = Path(__file__).resolve().parents[2]


def _bad_request(request):
    raise SuspiciousOperation("a tampered request")


def _forbidden(request):
    raise PermissionDenied("not yours")


def _fails(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [
    path("bad/", _bad_request),
    path("forbidden/", _forbidden),
    path("fails/", _fails),
    path("", include("portal.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def debug_in_base_settings(**env: str) -> str:
    environ = {key: value for key, value in os.environ.items() if key != "DJANGO_DEBUG"} | env
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings.base as s; print(s.DEBUG)"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_debug_is_off_in_development_unless_django_debug_says_true():
    assert debug_in_base_settings() == "False"
    assert debug_in_base_settings(DJANGO_DEBUG="true") == "True"
    assert debug_in_base_settings(DJANGO_DEBUG="no") == "False"


def assert_portal_page(response, *, status: int, template: str, heading: str) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert template in [used.name for used in response.templates]
    assert f'data-status="{status}"' in body and heading in body
    assert "bootstrap.min.css" in body and "Buyer Protection" in body
    for debug_text in ("Traceback", "Django tried these URL patterns", "DEBUG = True", "csrf_token"):
        assert debug_text not in body
    return body


def test_an_unknown_address_is_the_portals_404_page(client, buyer):
    client.force_login(buyer)

    body = assert_portal_page(
        client.get("/no-such-page/"), status=404, template="404.html", heading="Page not found"
    )
    assert "Go to my orders" in body and str(buyer) in body  # the signed-in navigation


def test_a_refusal_is_the_portals_403_page_naming_who_is_signed_in(client, buyer):
    client.force_login(buyer)

    body = assert_portal_page(
        client.get("/forbidden/"), status=403, template="403.html", heading="You cannot do this"
    )
    assert f"You are signed in as {buyer.username}" in body


def test_an_anonymous_refusal_offers_to_log_in(client):
    body = assert_portal_page(
        client.get("/forbidden/"), status=403, template="403.html", heading="You cannot do this"
    )
    assert "/accounts/login/" in body


def test_a_stale_form_is_the_portals_csrf_page_and_changes_nothing(buyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)

    response = client.post("/accounts/logout/")

    assert_portal_page(response, status=403, template="403_csrf.html", heading="This form has expired")
    assert client.get("/no-such-page/").wsgi_request.user == buyer  # still signed in


def test_a_bad_request_is_the_portals_400_page(client):
    assert_portal_page(
        client.get("/bad/"),
        status=400,
        template="400.html",
        heading="The request could not be understood",
    )


def test_an_error_is_the_portals_500_page_without_a_traceback():
    response = Client(raise_request_exception=False).get("/fails/")

    body = assert_portal_page(response, status=500, template="500.html", heading="Something went wrong")
    assert "RuntimeError" not in body


@override_settings(DEBUG=False)
def test_static_files_are_served_with_debug_off_and_nothing_collected(client):
    response = client.get("/static/css/portal.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_the_404_page_is_in_the_users_language(client, buyer):
    buyer.language = "ru"
    buyer.save()
    client.force_login(buyer)

    body = client.get("/no-such-page/").content.decode()

    assert '<html lang="ru">' in body
