"""A local HTTP server that plays Twilio: the Messages endpoint (POST
/2010-04-01/Accounts/<sid>/Messages.json with HTTP basic auth) and, like Twilio, status
callbacks to the URL given with each message, signed the way Twilio documents it:
base64(HMAC-SHA1(auth token, URL + each POST field's name and value, sorted by name)).
The signature is computed here by hand, so the app's check (twilio's RequestValidator) is
tested against an independent implementation."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def post_signed(url: str, params: dict[str, str], *, token: str = AUTH_TOKEN, signature: str | None = None):
    """POST a form to `url` as Twilio would; returns (status, body)."""
    data = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header(
        "X-Twilio-Signature", signature if signature is not None else twilio_signature(token, url, params)
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local test server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


class FakeTwilio:
    def __init__(self, *, fail_with: int | None = None):
        self.messages: list[dict] = []
        self.auth_headers: list[str] = []
        self.fail_with = fail_with
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                expected_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
                fake.auth_headers.append(self.headers.get("Authorization", ""))
                if self.path != expected_path:
                    return self._json(404, {"code": 20404, "message": "not found", "status": 404})
                if fake.fail_with:
                    return self._json(
                        fake.fail_with, {"code": 30001, "message": "queue overflow", "status": fake.fail_with}
                    )
                if not form.get("To", "").startswith("+"):
                    return self._json(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
                sid = "SM" + uuid.uuid4().hex
                fake.messages.append({"sid": sid, **form})
                self._json(
                    201,
                    {
                        "sid": sid,
                        "account_sid": ACCOUNT_SID,
                        "to": form["To"],
                        "from": form.get("From"),
                        "body": form.get("Body"),
                        "status": "queued",
                        "num_segments": "1",
                        "direction": "outbound-api",
                    },
                )

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def report_status(self, message: dict, status: str, *, error_code: str = "", token: str = AUTH_TOKEN):
        """Twilio's status callback for `message`, to the StatusCallback it was sent with."""
        params = {
            "MessageSid": message["sid"],
            "MessageStatus": status,
            "AccountSid": ACCOUNT_SID,
            "To": message["To"],
            "From": message.get("From", ""),
        }
        if error_code:
            params["ErrorCode"] = error_code
        return post_signed(message["StatusCallback"], params, token=token)
