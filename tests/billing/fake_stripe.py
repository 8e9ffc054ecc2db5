"""A tiny local stand-in for Stripe's HTTP API, and webhook payloads signed the way Stripe signs them.

The real `stripe` library talks to it over HTTP (`stripe.api_base` points
here), so the project's calls go through the library's own encoding, headers
and error handling; only Stripe's servers are replaced. It knows the few
endpoints the project uses: Checkout sessions (create, retrieve, expire),
charges (retrieve) and refunds (list by charge).
"""

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_fablab_fake"
WEBHOOK_SECRET = "whsec_fablab_test_secret"


def sign(payload: str, *, secret=WEBHOOK_SECRET, timestamp=None) -> str:
    """The `Stripe-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_event_numbers = itertools.count(1)


def event_payload(event_type, obj, *, event_id=None, created=None) -> str:
    """A webhook body as Stripe sends it: an event naming the object (a snapshot of it)."""
    return json.dumps(
        {
            "id": event_id or f"evt_test_{next(_event_numbers):06d}",
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()) if created is None else created,
            "livemode": False,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {"object": obj},
        }
    )


def _nested(pairs):
    """`a[b][0][c]=v` form fields back into nested dicts and lists."""
    root = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            node = {key: listify(value) for key, value in node.items()}
            if node and all(key.isdigit() for key in node):
                return [node[key] for key in sorted(node, key=int)]
        return node

    return listify(root)


class FakeStripe:
    def __init__(self):
        self.lock = threading.Lock()
        self.sessions, self.charges, self.refunds, self.idempotent = {}, {}, {}, {}
        self.requests = []
        self.created_sessions = []
        self.created_refunds = []
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _id(self, prefix):
        return f"{prefix}_test_{next(self._ids):06d}"

    # --- What the tests do on "Stripe's side" ---------------------------------------------

    def complete(self, session_id, *, payment_status="paid"):
        """The buyer paid (or, for a delayed method, started paying) on Stripe's page."""
        with self.lock:
            session = self.sessions[session_id]
            intent = session["payment_intent"] or self._id("pi")
            session.update(status="complete", payment_status=payment_status, payment_intent=intent)
            if payment_status == "paid" and not any(c["payment_intent"] == intent for c in self.charges.values()):
                charge_id = self._id("ch")
                self.charges[charge_id] = {
                    "id": charge_id,
                    "object": "charge",
                    "amount": session["amount_total"],
                    "amount_refunded": 0,
                    "currency": session["currency"],
                    "payment_intent": intent,
                    "refunded": False,
                    "status": "succeeded",
                }
            return dict(session)

    def expire(self, session_id):
        with self.lock:
            self.sessions[session_id].update(status="expired")
            return dict(self.sessions[session_id])

    def charge_of(self, session_id):
        intent = self.sessions[session_id]["payment_intent"]
        return next(dict(charge) for charge in self.charges.values() if charge["payment_intent"] == intent)

    def refund(self, charge_id, amount, *, status="succeeded"):
        with self.lock:
            charge = self.charges[charge_id]
            refund_id = self._id("re")
            self.refunds[refund_id] = {
                "id": refund_id,
                "object": "refund",
                "amount": amount,
                "charge": charge_id,
                "created": int(time.time()),
                "currency": charge["currency"],
                "payment_intent": charge["payment_intent"],
                "status": status,
            }
            if status == "succeeded":
                charge["amount_refunded"] += amount
                charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return dict(charge), dict(self.refunds[refund_id])

    # --- The HTTP side ---------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(data)

            def _missing(self, what):
                self._answer(
                    404,
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "resource_missing",
                            "message": f"No such {what}",
                        }
                    },
                )

            def _authorised(self):
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    self._answer(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}})
                    return False
                return True

            def do_GET(self):
                url = urlsplit(self.path)
                fake.requests.append(("GET", url.path, dict(parse_qsl(url.query))))
                if not self._authorised():
                    return
                if match := re.fullmatch(r"/v1/checkout/sessions/([\w]+)", url.path):
                    session = fake.sessions.get(match[1])
                    return self._answer(200, session) if session else self._missing(f"checkout.session: {match[1]}")
                if match := re.fullmatch(r"/v1/charges/([\w]+)", url.path):
                    charge = fake.charges.get(match[1])
                    return self._answer(200, charge) if charge else self._missing(f"charge: {match[1]}")
                if url.path == "/v1/refunds":
                    charge = dict(parse_qsl(url.query)).get("charge")
                    refunds = [refund for refund in fake.refunds.values() if refund["charge"] == charge]
                    return self._answer(
                        200, {"object": "list", "data": refunds[::-1], "has_more": False, "url": "/v1/refunds"}
                    )
                return self._missing(url.path)

            def do_POST(self):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                params = _nested(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                fake.requests.append(("POST", url.path, params))
                if not self._authorised():
                    return
                if url.path == "/v1/checkout/sessions":
                    return self._answer(200, fake._create_session(params, self.headers.get("Idempotency-Key")))
                if url.path == "/v1/refunds":
                    return fake._create_refund(params, self.headers.get("Idempotency-Key"), self)
                if match := re.fullmatch(r"/v1/checkout/sessions/([\w]+)/expire", url.path):
                    session = fake.sessions.get(match[1])
                    if session is None:
                        return self._missing(f"checkout.session: {match[1]}")
                    if session["status"] != "open":
                        return self._answer(
                            400, {"error": {"type": "invalid_request_error", "message": "Session is not open"}}
                        )
                    return self._answer(200, fake.expire(match[1]))
                return self._missing(url.path)

        return Handler

    def _create_refund(self, params, idempotency_key, handler):
        """POST /v1/refunds: refund a payment intent's charge (once per idempotency key)."""
        if idempotency_key and idempotency_key in self.idempotent:
            return handler._answer(200, self.refunds[self.idempotent[idempotency_key]])
        intent = params.get("payment_intent")
        charge_id = next((c["id"] for c in self.charges.values() if c["payment_intent"] == intent), None)
        if charge_id is None:
            return handler._missing(f"payment_intent: {intent}")
        _charge, refund = self.refund(charge_id, int(params["amount"]))
        if idempotency_key:
            self.idempotent[idempotency_key] = refund["id"]
        self.created_refunds.append(refund)
        return handler._answer(200, refund)

    def _create_session(self, params, idempotency_key):
        with self.lock:
            if idempotency_key and idempotency_key in self.idempotent:
                return self.sessions[self.idempotent[idempotency_key]]
            session_id = self._id("cs")
            items = params.get("line_items", [])
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": sum(int(item["quantity"]) * int(item["price_data"]["unit_amount"]) for item in items),
                "currency": items[0]["price_data"]["currency"] if items else None,
                "client_reference_id": params.get("client_reference_id"),
                "customer_email": params.get("customer_email"),
                "metadata": params.get("metadata", {}),
                "payment_intent": None,
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            }
            self.sessions[session_id] = session
            self.created_sessions.append(params)
            if idempotency_key:
                self.idempotent[idempotency_key] = session_id
            return session
