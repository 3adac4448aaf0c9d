"""A stand-in for Stripe's refunds API on 127.0.0.1, for the real ``stripe`` client to talk to.

It answers ``POST /v1/refunds`` and ``GET /v1/refunds/{id}`` as Stripe does (form-encoded
parameters in, JSON out), honours ``Idempotency-Key`` (the same key gets the first answer back,
with ``Idempotent-Replayed: true``), checks the API key first (a 401 for a key it does not know, a
403 for a restricted ``rk_`` key without refund permission), and can be told to answer the next
requests with a 402 card error, a 500, or to hang past the client's timeout. Each created refund
is kept, so a test counts the refunds Stripe would have made: the money that moved.
"""

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

#: The secret key of the stand-in's account, which the provider is configured with.
API_KEY = "sk_test_portal"
CARD_ERROR = "card_error"
SERVER_ERROR = "server_error"
#: Create the refund, then answer only after the client gave up waiting (a timeout).
HANG = "hang"
#: Answer only once the test sets ``release`` (a provider that hangs while a test looks around).
HOLD = "hold"


class FakeStripe:
    """What the server knows: refunds made, idempotent answers, requests seen, trouble to come."""

    def __init__(self) -> None:
        #: The secret key of the account; any other key is refused.
        self.api_key = API_KEY
        self.refunds: dict[str, dict] = {}
        self.answers: dict[str, tuple[int, dict, dict]] = {}  # idempotency key -> (status, params, body)
        self.requests: list[dict] = []
        #: What the next requests meet, in order: CARD_ERROR, SERVER_ERROR, HANG or HOLD.
        self.trouble: list[str] = []
        #: The status a new refund has (Stripe: succeeded for cards, pending for some methods).
        self.new_status = "succeeded"
        self.hang_seconds = 3.0
        self.release = threading.Event()
        self.holding = threading.Event()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.url = ""

    @property
    def created(self) -> list[dict]:
        return list(self.refunds.values())

    def posts(self) -> list[dict]:
        return [request for request in self.requests if request["method"] == "POST"]

    def finish(self, refund_id: str, status: str, failure_reason: str | None = None) -> dict:
        """Stripe finishes a refund later (what its webhook then reports)."""
        refund = self.refunds[refund_id]
        refund["status"] = status
        refund["failure_reason"] = failure_reason
        return refund

    # --- the API ---------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers, body: str) -> tuple[int, dict, dict]:
        params = dict(parse_qsl(body, keep_blank_values=True))
        key = headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append({"method": method, "path": path, "params": params, "key": key})
            refused = self._authenticate(headers.get("Authorization", ""))
            if refused:
                return refused
            trouble = self.trouble.pop(0) if self.trouble else None
        if trouble == HOLD:
            self.holding.set()
            self.release.wait(30)
        if trouble == CARD_ERROR:
            return 402, {}, _error("card_error", "Your card has expired.", code="expired_card")
        if trouble == SERVER_ERROR:
            return 500, {}, _error("api_error", "Something went wrong on Stripe's end.")
        if method == "GET" and path.startswith("/v1/refunds/"):
            refund = self.refunds.get(path.rsplit("/", 1)[1])
            if refund is None:
                return 404, {}, _error("invalid_request_error", "No such refund", code="resource_missing")
            return 200, {}, dict(refund)
        if method != "POST" or path != "/v1/refunds":
            return 404, {}, _error("invalid_request_error", f"Unrecognized request URL ({method} {path})")
        with self._lock:
            if key is not None and key in self.answers:
                status, first_params, answer = self.answers[key]
                if first_params != params:
                    return (
                        400,
                        {},
                        _error(
                            "idempotency_error",
                            "Keys for idempotent requests can only "
                            "be used with the same parameters they were first used with.",
                        ),
                    )
                if answer.get("object") == "refund":
                    answer = dict(self.refunds[answer["id"]])
                return status, {"Idempotent-Replayed": "true"}, answer
            status, answer = self._create(params)
            if key is not None:
                self.answers[key] = (status, params, answer)
        if trouble == HANG:
            self.release.wait(self.hang_seconds)
        return status, {}, answer

    def _authenticate(self, authorization: str) -> tuple[int, dict, dict] | None:
        """Stripe's answer to a request whose key it refuses, or ``None`` for the account's key."""
        api_key = authorization.removeprefix("Bearer ")
        if api_key == self.api_key:
            return None
        if api_key.startswith("rk_"):
            message = (
                f"The provided key '{_masked(api_key)}' does not have the required permissions for "
                "this endpoint. Having the 'rak_refund_write' permission would allow this request "
                "to continue."
            )
            return 403, {}, _error("invalid_request_error", message)
        return 401, {}, _error("invalid_request_error", f"Invalid API Key provided: {_masked(api_key)}")

    def _create(self, params: dict) -> tuple[int, dict]:
        if not params.get("payment_intent") and not params.get("charge"):
            return 400, _error("invalid_request_error", "One of `charge` or `payment_intent` is required.")
        if not params.get("amount", "").isdigit() or int(params["amount"]) <= 0:
            return 400, _error("invalid_request_error", "Invalid positive integer", param="amount")
        refund = {
            "id": f"re_fake{next(self._ids):06d}",
            "object": "refund",
            "amount": int(params["amount"]),
            "currency": "usd",
            "charge": params.get("charge") or "ch_fake_for_" + params["payment_intent"],
            "payment_intent": params.get("payment_intent"),
            "metadata": {
                name[len("metadata[") : -1]: value
                for name, value in params.items()
                if name.startswith("metadata[")
            },
            "reason": params.get("reason"),
            "status": self.new_status,
            "failure_reason": None,
            "created": 1_700_000_000,
        }
        self.refunds[refund["id"]] = refund
        return 200, dict(refund)


def _masked(api_key: str) -> str:
    return f"{api_key[:8]}****{api_key[-4:]}"


def _error(kind: str, message: str, **extra) -> dict:
    return {"error": {"type": kind, "message": message, **extra}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        status, headers, answer = self.fake.handle(method, self.path, self.headers, body)
        payload = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", "req_fake")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left: as it would from Stripe

    def log_message(self, format, *args) -> None:
        pass


@contextmanager
def running() -> Iterator[FakeStripe]:
    """Serve a :class:`FakeStripe` on a free port of 127.0.0.1 until the block ends."""
    fake = FakeStripe()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


#: The signing secret the tests' webhook endpoint is configured with.
WEBHOOK_SECRET = "whsec_test_portal_0123456789abcdef"


def serve(settings, monkeypatch) -> Iterator[FakeStripe]:
    """Body of a fixture: the Stripe provider pointed at a fresh stand-in, with a short timeout
    and no immediate retries of the client's own (the ledger's retries are under test)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with running() as fake:
        settings.PAYMENT_PROVIDER = "orders.payments.StripePaymentProvider"
        settings.STRIPE_API_KEY = API_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        settings.STRIPE_TIMEOUT_SECONDS = 1
        yield fake
