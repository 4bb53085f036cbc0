"""Client identity that Portcullis verified, for Django views.

Portcullis terminates mutual TLS, removes every identity header a client sent (underscore
variants such as ``X_Client_DN`` included, which WSGI would otherwise map to the same
``HTTP_X_CLIENT_DN``) and sets its own. This middleware reads them into
``request.client_identity`` and refuses, with 403, a request that carries no
``X-Client-Verify``: Portcullis sets that header on every request it forwards, so a request
without it did not come through Portcullis.

That check is a tripwire, not the boundary: a client that can reach the backend directly can
send any header. The boundary is the bind address: run the backend on 127.0.0.1 (or the
pod-local address) so that only Portcullis can reach it.
"""
from dataclasses import dataclass, field
from typing import Optional, Tuple

from django.conf import settings
from django.http import JsonResponse

DEFAULT_HEADERS = {
    "verify": "HTTP_X_CLIENT_VERIFY",
    "subject": "HTTP_X_CLIENT_DN",
    "issuer": "HTTP_X_CLIENT_ISSUER_DN",
    "fingerprint": "HTTP_X_CLIENT_FINGERPRINT",
    "serial": "HTTP_X_CLIENT_SERIAL",
    "san": "HTTP_X_CLIENT_SAN",
    "not_after": "HTTP_X_CLIENT_NOT_AFTER",
}


@dataclass(frozen=True)
class ClientIdentity:
    """What Portcullis told us about the client certificate of this connection."""

    verified: bool
    subject: Optional[str] = None
    issuer: Optional[str] = None
    fingerprint: Optional[str] = None
    serial: Optional[str] = None
    san: Tuple[str, ...] = field(default_factory=tuple)
    not_after: Optional[str] = None

    @property
    def san_uris(self) -> Tuple[str, ...]:
        return tuple(entry[4:] for entry in self.san if entry.startswith("URI:"))

    @property
    def san_dns(self) -> Tuple[str, ...]:
        return tuple(entry[4:] for entry in self.san if entry.startswith("DNS:"))

    def as_dict(self) -> dict:
        return {
            "verified": self.verified,
            "subject": self.subject,
            "issuer": self.issuer,
            "fingerprint": self.fingerprint,
            "serial": self.serial,
            "san": list(self.san),
            "not_after": self.not_after,
        }


def _forbidden(message):
    return JsonResponse({"error": "not_through_portcullis", "message": message}, status=403)


def identity_from_meta(meta, headers, require_certificate):
    """The identity in a WSGI-style ``META`` mapping, or ``(None, reason)`` when there is none to trust.

    Shared by the middleware (HTTP) and the WebSocket consumer, whose ASGI headers are put in
    the same form first (``asgi_meta``).
    """
    verify = meta.get(headers["verify"])
    if verify is None:
        return None, "the request did not come through Portcullis"
    if verify == "SUCCESS":
        san = meta.get(headers["san"], "")
        return ClientIdentity(
            verified=True,
            subject=meta.get(headers["subject"]),
            issuer=meta.get(headers["issuer"]),
            fingerprint=meta.get(headers["fingerprint"]),
            serial=meta.get(headers["serial"]),
            # ", " separates entries; a SAN value with ", " inside is not split correctly
            # here; use identity.format: xfcc if that matters.
            san=tuple(part for part in san.split(", ") if part),
            not_after=meta.get(headers["not_after"]),
        ), None
    if verify == "NONE" and not require_certificate:
        return ClientIdentity(verified=False), None
    return None, "a verified client certificate is required"


def asgi_meta(scope):
    """ASGI headers as Django's ASGI handler puts them in ``META``: ``HTTP_`` + upper case, ``-`` as ``_``."""
    meta = {}
    for name, value in scope.get("headers", []):
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        value = value.decode("latin-1")
        meta[key] = meta[key] + "," + value if key in meta else value
    return meta


def configured_headers():
    return {**DEFAULT_HEADERS, **getattr(settings, "PORTCULLIS_IDENTITY_HEADERS", {})}


def certificate_required():
    return getattr(settings, "PORTCULLIS_REQUIRE_CERTIFICATE", True)


class PortcullisIdentityMiddleware:
    """Sets ``request.client_identity``; 403 for a request that did not come through Portcullis."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = configured_headers()
        self.require_certificate = certificate_required()

    def __call__(self, request):
        identity, refusal = identity_from_meta(request.META, self.headers, self.require_certificate)
        if identity is None:
            return _forbidden(refusal)
        request.client_identity = identity
        return self.get_response(request)
