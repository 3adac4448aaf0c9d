"""A production server started by the README's commands, driven over real HTTP.

``.ci/deploy`` installs the project into a fresh virtualenv, runs the README's Production
commands with ``portal.settings.prod`` against PostgreSQL and Redis, loads the demo story, starts
gunicorn (plus a Celery worker and beat) on loopback and runs this module with
``PORTAL_DEPLOY_URL=http://127.0.0.1:<port>``; without that variable it is skipped.

The drive walks a case through the real pages: the buyer opens a dispute with a photo on a
delivered demo order, the seller rejects it, the buyer escalates, a worker makes the photo's
thumbnail and the mediator finds the case in the admin queue.

Requests arrive as the TLS proxy in front of gunicorn forwards them: with
``X-Forwarded-Proto: https``, so the secure cookies come back to the server (a browser behind
HTTPS sends them), and with an ``https://`` Referer and Origin for Django's CSRF check.
"""

import http.client
import io
import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from PIL import Image

BASE_URL = os.environ.get("PORTAL_DEPLOY_URL", "")
PASSWORD = "demo-pass-2026"
YEAR = 365 * 24 * 3600
HASHED_STATIC = re.compile(r"^/static/.+\.[0-9a-f]{12}\.(css|js)$")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not BASE_URL, reason="set PORTAL_DEPLOY_URL to a running server (.ci/deploy does)"),
]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass
class Browser:
    """One visitor's cookies, sent back on every request like a browser does behind HTTPS."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    cookie_flags: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        https: bool = True,
        headers: dict | None = None,
    ) -> Response:
        parts = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        sent = {"Host": self.host, "User-Agent": "portal-ci-deploy", "Accept-Language": "en"}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if files:
            body, sent["Content-Type"] = multipart(form or {}, files)
        elif form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if form is not None or files:
            sent["Referer"] = f"https://{self.host}{path}"
            sent["Origin"] = f"https://{self.host}"
        sent.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            self._keep(line)
        return response

    def _keep(self, line: str) -> None:
        for name, morsel in SimpleCookie(line).items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
                self.cookie_flags[name] = line

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def sign_in(self, login_path: str, username: str) -> Response:
        """Fill the login form as a person would: its CSRF token and the ``next`` it carries."""
        page = self.get(login_path)
        assert page.status == 200, f"{login_path}: {page.status}"
        form = {"csrfmiddlewaretoken": csrf_token(page), "username": username, "password": PASSWORD}
        next_field = re.search(r'name="next" value="([^"]*)"', page.text)
        if next_field:
            form["next"] = next_field.group(1)
        response = self.request("POST", login_path, form=form)
        assert response.status == 302, f"{username} could not sign in at {login_path}: {response.status}"
        assert "sessionid" in self.cookies
        return response


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends a form with a file input."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content, content_type) in files.items():
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def photo() -> bytes:
    """A real JPEG, as a phone would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def csrf_token(page: Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, "the form has no CSRF token"
    return match.group(1)


def first_link(page: Response, pattern: str) -> str:
    match = re.search(rf'href="({pattern})"', page.text)
    assert match, f"no link like {pattern} on the page"
    return match.group(1)


def stylesheets(page: Response) -> list[str]:
    return re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', page.text) + re.findall(
        r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', page.text
    )


def assert_served_for_a_year(browser: Browser, url: str, content_type: str) -> Response:
    response = browser.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200, f"{url}: {response.status}"
    assert response.header("Content-Type").startswith(content_type), url
    cache = response.header("Cache-Control")
    max_age = re.search(r"max-age=(\d+)", cache)
    assert max_age and int(max_age.group(1)) >= YEAR and "immutable" in cache, f"{url}: {cache!r}"
    assert response.header("Content-Encoding") == "gzip", f"{url} was not sent compressed"
    return response


@pytest.fixture(scope="module")
def buyer() -> Browser:
    browser = Browser(BASE_URL)
    browser.sign_in("/accounts/login/", "olga_buyer")
    return browser


@pytest.fixture(scope="module")
def mediator() -> Browser:
    browser = Browser(BASE_URL)
    browser.sign_in("/admin/login/?next=/admin/", "maria_mediator")
    return browser


def test_healthz_answers_ok_over_plain_http():
    response = Browser(BASE_URL).get("/healthz", https=False)
    assert response.status == 200, response.text
    report = json.loads(response.body)
    assert report["status"] == "ok"
    assert report["database"]["ok"] and report["broker"]["ok"]
    assert "no-cache" in response.header("Cache-Control")


def test_plain_http_is_redirected_to_https():
    response = Browser(BASE_URL).get("/accounts/login/", https=False)
    assert response.status == 301
    assert response.header("Location").startswith("https://")


def test_a_host_not_in_allowed_hosts_is_refused():
    response = Browser(BASE_URL).get("/accounts/login/", headers={"Host": "portal.attacker.example"})
    assert response.status == 400


def test_the_login_page_names_hashed_files_served_compressed_for_a_year():
    browser = Browser(BASE_URL)
    page = browser.get("/accounts/login/")
    assert page.status == 200
    assert "max-age" in page.header("Strict-Transport-Security")
    assert "default-src 'self'" in page.header("Content-Security-Policy")
    sheets = stylesheets(page)
    scripts = re.findall(r'<script[^>]+src="(/static/[^"]+)"', page.text)
    assert any("bootstrap.min." in url for url in sheets) and scripts
    for url in sheets + scripts:
        assert HASHED_STATIC.match(url), f"{url} is not a hashed static name"
    for url in sheets:
        css = assert_served_for_a_year(browser, url, "text/css")
        assert css.body  # gzip: only that it came; its name says what it holds
    for url in scripts:
        assert_served_for_a_year(browser, url, "text/javascript")


def test_the_bootstrap_source_map_is_served_under_its_hashed_name():
    browser = Browser(BASE_URL)
    bootstrap = next(url for url in stylesheets(browser.get("/accounts/login/")) if "bootstrap" in url)
    css = browser.get(bootstrap).text
    reference = re.search(r"sourceMappingURL=(\S+?)\s*\*/", css)
    assert reference and re.search(r"\.[0-9a-f]{12}\.map$", reference.group(1)), "map not hashed"
    source_map = browser.get(urljoin(bootstrap, reference.group(1)))
    assert source_map.status == 200
    assert json.loads(source_map.body)["version"] == 3


def test_the_session_cookie_is_secure_and_http_only(buyer):
    flags = buyer.cookie_flags["sessionid"].lower()
    assert "secure" in flags and "httponly" in flags


@dataclass(frozen=True)
class Dispute:
    url: str
    order_number: str

    @property
    def pk(self) -> str:
        return self.url.strip("/").split("/")[-1]


@pytest.fixture(scope="module")
def dispute(buyer) -> Dispute:
    """Through the pages: the buyer opens a dispute with a photo on a delivered demo order, its
    seller rejects the request and the buyer escalates it to mediation."""
    orders = buyer.get("/orders/")
    assert orders.status == 200
    for number in dict.fromkeys(re.findall(r'href="/orders/(AE-7\d+)/"', orders.text)):
        if f'href="/orders/{number}/dispute/"' in buyer.get(f"/orders/{number}/").text:
            break
    else:
        pytest.fail("no demo order of olga_buyer offers to open a dispute")
    form_page = buyer.get(f"/orders/{number}/dispute/")
    assert form_page.status == 200
    form = {
        "csrfmiddlewaretoken": csrf_token(form_page),
        "item_received": "yes",
        "reason": "damaged",
        "refund_type": "full",
        "description": "The screen arrived cracked; photo attached.",
    }
    for tag in re.findall(r'<input[^>]*name="item_\d+"[^>]*>', form_page.text):
        form[re.search(r'name="(item_\d+)"', tag).group(1)] = re.search(r'value="(\d+)"', tag).group(1)
    opened = buyer.request(
        "POST",
        f"/orders/{number}/dispute/",
        form=form,
        files={"evidence": ("cracked.jpg", photo(), "image/jpeg")},
    )
    assert opened.status == 302, f"opening the dispute answered {opened.status}"
    url = urlsplit(opened.header("Location")).path
    assert re.fullmatch(r"/disputes/\d+/", url), url

    sellers = [Browser(BASE_URL) for _ in range(2)]
    for seller, username in zip(sellers, ("lin_seller", "ana_seller"), strict=True):
        seller.sign_in("/accounts/login/", username)
    seller = next(seller for seller in sellers if seller.get(url).status == 200)
    rejected = seller.request(
        "POST",
        f"{url}reject/",
        form={"csrfmiddlewaretoken": csrf_token(seller.get(url)), "note": "It left us in one piece."},
    )
    assert rejected.status == 302, f"the seller's rejection answered {rejected.status}"
    escalated = buyer.request(
        "POST",
        f"{url}escalate/",
        form={"csrfmiddlewaretoken": csrf_token(buyer.get(url)), "note": "Please look at the photo."},
    )
    assert escalated.status == 302, f"escalating answered {escalated.status}"
    return Dispute(url=url, order_number=number)


def test_a_buyer_opens_an_order_page(buyer):
    orders = buyer.get("/orders/")
    assert orders.status == 200
    link = first_link(orders, r"/orders/AE-7\d+/")
    page = buyer.get(link)
    assert page.status == 200
    assert link.split("/")[2] in page.text
    assert all(HASHED_STATIC.match(url) for url in stylesheets(page))


def test_the_buyer_sees_the_escalated_dispute_page(buyer, dispute):
    page = buyer.get(dispute.url)
    assert page.status == 200
    assert f'href="/orders/{dispute.order_number}/"' in page.text
    assert 'id="timeline-heading"' in page.text and "cracked.jpg" in page.text
    assert all(HASHED_STATIC.match(url) for url in stylesheets(page))
    assert dispute.url in buyer.get("/disputes/").text


def test_the_worker_makes_the_evidence_photos_thumbnail(buyer, dispute):
    """The upload queued a job on Redis; a worker re-encodes the photo into the shared
    PORTAL_PRIVATE_MEDIA_ROOT, then the page shows it."""
    thumbnail = None
    for _ in range(60):
        thumbnail = re.search(r'src="(/evidence/[0-9a-f-]+/thumb/)"', buyer.get(dispute.url).text)
        if thumbnail:
            break
        time.sleep(0.5)
    assert thumbnail, "the photo was still processing after 30 s: is the worker consuming jobs?"
    image = buyer.get(thumbnail.group(1))
    assert image.status == 200
    assert image.header("Content-Type") == "image/jpeg" and image.body.startswith(b"\xff\xd8")


def test_a_mediator_finds_the_case_in_the_admin_queue_and_opens_it(mediator, dispute):
    queue = mediator.get("/admin/disputes/dispute/")
    assert queue.status == 200, queue.status
    assert dispute.order_number in queue.text, "the escalated dispute is not in the queue"
    sheets = stylesheets(queue)
    assert any(url.startswith("/static/admin/") for url in sheets), sheets
    for url in sheets:
        assert HASHED_STATIC.match(url), f"{url} is not a hashed static name"
        assert_served_for_a_year(mediator, url, "text/css")
    case = mediator.get(f"/admin/disputes/dispute/{dispute.pk}/change/")
    assert case.status == 200
    assert dispute.order_number in case.text and "cracked.jpg" in case.text


def test_a_missing_page_is_the_projects_404_not_djangos_debug_page():
    response = Browser(BASE_URL).get("/no-such-page/")
    assert response.status == 404
    assert "Page not found" in response.text and "Go to my orders" in response.text
    assert "Django tried these URL patterns" not in response.text
    assert "DEBUG = True" not in response.text
    assert all(HASHED_STATIC.match(url) for url in stylesheets(response))
