"""Static files the way production serves them: collectstatic with the production storage, then
pages with DEBUG off.

The production settings keep static files in whitenoise's CompressedManifestStaticFilesStorage.
Its collectstatic rewrites every reference inside CSS and JS (``url()``, ``sourceMappingURL``)
to the hashed name and refuses a reference to a file that does not exist; with DEBUG off a page
then names each file through the manifest, and a name missing from it is a 500. The test
settings use the plain storage, so only these tests put the production one through its paces
(the real server, gunicorn behind the README's commands, is driven by ``.ci/deploy``).
"""

import importlib
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import path, reverse

from tests.disputes.test_admin import escalated_dispute
from tests.factories import OrderFactory, open_dispute_for, ship

ROOT = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)
STATIC_NAME = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")
SOURCE_MAP = re.compile(r"sourceMappingURL=(\S+?)\s*(?:\*/)?$", re.MULTILINE)


def production_staticfiles_storage() -> dict:
    """The static files storage of ``portal.settings.prod``, loaded as a deployment loads it."""
    previous = os.environ.get("DJANGO_SECRET_KEY")
    os.environ["DJANGO_SECRET_KEY"] = "deploy-test-secret-Xq7!mZ2@vR9#kL4$wT8%bN6^cJ3&hF5*dS1"
    try:
        prod = importlib.reload(importlib.import_module("portal.settings.prod"))
    finally:
        if previous is None:
            del os.environ["DJANGO_SECRET_KEY"]
        else:
            os.environ["DJANGO_SECRET_KEY"] = previous
    return prod.STORAGES["staticfiles"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """``collectstatic --noinput`` with the production storage into a fresh STATIC_ROOT; the
    settings stay so for the module's tests. Yields the STATIC_ROOT."""
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {**settings.STORAGES, "staticfiles": production_staticfiles_storage()}
    with override_settings(STATIC_ROOT=root, STORAGES=storages, DEBUG=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture
def manifest(collected) -> dict[str, str]:
    return json.loads((collected / "staticfiles.json").read_text())["paths"]


def static_url(manifest: dict[str, str], name: str) -> str:
    return f"{settings.STATIC_URL}{manifest[name]}"


def test_production_uses_the_manifest_storage():
    assert production_staticfiles_storage()["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_every_static_file_gets_a_hashed_compressed_copy_admins_too(collected, manifest):
    sources = {name for finder in finders.get_finders() for name, _storage in finder.list([])}
    assert {"css/portal.css", "vendor/bootstrap/5.3.8/bootstrap.min.css", "admin/css/base.css"} <= sources
    assert sources - manifest.keys() == set()
    for name in sources:
        hashed = collected / manifest[name]
        assert hashed.name != Path(name).name, f"{name} was not given a hashed name"
        assert hashed.is_file(), f"{manifest[name]} is in the manifest but was not written"
        if hashed.suffix in {".css", ".js"}:
            assert hashed.with_name(hashed.name + ".gz").is_file(), f"{name} has no gzip copy"


def test_source_maps_named_by_css_and_js_are_collected_under_hashed_names(collected, manifest):
    checked = []
    for name, hashed_name in manifest.items():
        if not name.endswith((".css", ".js")):
            continue
        hashed = collected / hashed_name
        for reference in SOURCE_MAP.findall(hashed.read_text(encoding="utf-8", errors="replace")):
            target = hashed.parent / reference
            assert target.is_file(), f"{hashed_name} points at {reference}, which was not collected"
            assert target.name not in {Path(n).name for n in manifest}, f"{reference} is not hashed"
            checked.append(name)
    assert {
        "vendor/bootstrap/5.3.8/bootstrap.min.css",
        "vendor/bootstrap/5.3.8/bootstrap.bundle.min.js",
    } <= set(checked)


def test_every_static_name_in_the_templates_is_in_the_manifest(manifest):
    names = {
        match
        for template in (ROOT / "templates").rglob("*.html")
        for match in STATIC_NAME.findall(template.read_text(encoding="utf-8"))
    }
    assert "vendor/bootstrap/5.3.8/bootstrap.min.css" in names
    assert names - manifest.keys() == set()


@pytest.mark.django_db
def test_pages_render_with_debug_off_naming_hashed_files(collected, manifest, now, mediator):
    order = ship(OrderFactory(paid_at=now), at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY)
    case = escalated_dispute(OrderFactory(paid_at=now), at=now + 12 * DAY)
    anonymous, buyer, mediator_client = Client(), Client(), Client()
    buyer.force_login(order.buyer)
    mediator_client.force_login(mediator)
    bootstrap = static_url(manifest, "vendor/bootstrap/5.3.8/bootstrap.min.css")
    pages = [
        (anonymous, reverse("accounts:login"), [bootstrap, static_url(manifest, "css/portal.css")]),
        (buyer, reverse("orders:detail", args=[order.number]), [bootstrap, order.number]),
        (buyer, reverse("disputes:detail", args=[dispute.pk]), [bootstrap, order.number]),
        (
            mediator_client,
            reverse("admin:disputes_dispute_changelist"),
            [static_url(manifest, "admin/css/base.css"), case.order.number],
        ),
    ]
    assert not settings.DEBUG
    for client, url, expected in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for text in expected:
            assert text in body, f"{url} does not show {text}"
        assert '/static/css/portal.css"' not in body and 'bootstrap.min.css"' not in body, url


def test_a_hashed_file_is_served_with_a_long_cache_header(collected, manifest):
    response = Client().get(static_url(manifest, "css/portal.css"), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age >= 365 * 24 * 3600


@pytest.mark.django_db
def test_an_unknown_url_is_the_projects_404_page_with_debug_off(collected, manifest):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    body = response.content.decode()
    assert "Go to my orders" in body
    assert static_url(manifest, "vendor/bootstrap/5.3.8/bootstrap.min.css") in body
    assert "Django tried these URL patterns" not in body


def _failing_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("fails/", _failing_view)]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_error_is_the_projects_500_page_with_debug_off(collected):
    response = Client(raise_request_exception=False).get("/fails/")
    assert response.status_code == 500
    assert "500.html" in [template.name for template in response.templates]
    assert "Something went wrong" in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
