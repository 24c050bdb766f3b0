"""A stand-in web push service and the browser's side of a subscription, shared by the
push tests (tests/mobile/test_push.py) and the browser test of the opt-in
(tests/e2e/test_push_optin.py).

`PushService` is a push service endpoint on 127.0.0.1 that records each POST the shop's
pywebpush makes; `Browser` owns a subscription's P-256 key pair and auth secret, decrypts
what the shop sent (RFC 8291, with http_ece); `verify_vapid` checks the shop's VAPID
signature (RFC 8292)."""

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mobile.push import vapid_keys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """The browser side of a subscription: its P-256 key pair and 16-byte auth secret
    (new ones, or those a real browser generated and handed over)."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey | None = None, auth: bytes | None = None):
        self.private_key = private_key or ec.generate_private_key(ec.SECP256R1())
        self.auth = auth or os.urandom(16)

    @classmethod
    def from_jwk(cls, jwk: dict, auth: str) -> "Browser":
        """From a private key exported by WebCrypto (`crypto.subtle.exportKey("jwk", ...)`)
        and the base64url auth secret."""
        assert jwk["kty"] == "EC" and jwk["crv"] == "P-256"
        private_key = ec.derive_private_key(int.from_bytes(b64url_decode(jwk["d"]), "big"), ec.SECP256R1())
        return cls(private_key=private_key, auth=b64url_decode(auth))

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        )


class PushService:
    """A push service endpoint on 127.0.0.1: records each POST; answers 201, or 410 for
    endpoints marked gone. A context manager (stops its server on exit)."""

    def __init__(self):
        self.received: list[dict] = []
        self.gone: set[str] = set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.received.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(410 if self.path in service.gone else 201)
                self.send_header("Location", f"{self.path}/m/{len(service.received)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "PushService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def verify_vapid(headers: dict, audience: str) -> dict:
    """Authorization: vapid t=<JWT ES256>, k=<the shop's public key>; returns the claims."""
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == vapid_keys().public_key
    header_b64, claims_b64, signature_b64 = fields["t"].split(".")
    raw = b64url_decode(signature_b64)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
    public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == audience
    return claims
