"""Signed session tokens: the session travels with the request, checked by a signature.

:func:`sign_token` makes a token from claims (in the spirit of a JSON Web Token, RFC 7519, with
HMAC-SHA256 from the standard library) that expires after ``t_ttl`` seconds, and
:func:`verify_token` checks its signature and expiry, and an optional revocation list, returning
the claims or ``None``. Any server with the shared key can check a token in microseconds; a token
cannot be taken back before it expires unless servers consult the revocation list.
"""

from __future__ import annotations

import base64
import hmac
import json
import math

from scalelab.validate import check_number

__all__ = [
    "sign_token",
    "verify_token",
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(claims: dict, key: bytes, *, now: float, t_ttl: float = 900.0) -> str:
    """A JWT-style token ``header.payload.signature`` (base64url, HMAC-SHA256) carrying
    ``claims`` plus ``iat`` (issued at) and ``exp`` (expires at, ``now + t_ttl``), in seconds.

    >>> token = sign_token({"sub": "ada"}, b"secret", now=0.0, t_ttl=60.0)
    >>> token.count("."), verify_token(token, b"secret", now=10.0)["sub"]
    (2, 'ada')
    """
    if not isinstance(key, bytes) or not key:
        raise ValueError("key must be non-empty bytes")
    check_number("now", now)
    check_number("t_ttl", t_ttl, low=0, low_open=True)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = dict(claims, iat=now, exp=now + t_ttl)
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{header}.{payload}".encode()
    return f"{header}.{payload}.{_b64(hmac.digest(key, signing_input, 'sha256'))}"


def verify_token(token: str, key: bytes, *, now: float, revoked=None) -> dict | None:
    """The claims of ``token`` if its signature is right for ``key``, it has not expired at
    ``now`` and its ``jti`` (token id) is not in ``revoked``; otherwise None.

    The signature is compared with ``hmac.compare_digest`` (constant time). Checking
    ``revoked`` is what makes a token revocable before it expires, and in a real tier that set
    lives in a shared store: the lookup the tokens were meant to save.

    >>> token = sign_token({"sub": "ada", "jti": "t1"}, b"k", now=0.0, t_ttl=60.0)
    >>> verify_token(token, b"k", now=61.0), verify_token(token, b"other", now=1.0)
    (None, None)
    >>> verify_token(token, b"k", now=1.0, revoked={"t1"}) is None
    True
    """
    try:
        header, payload, signature = token.split(".")
        expected = hmac.digest(key, f"{header}.{payload}".encode(), "sha256")
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, AttributeError, TypeError):
        return None
    if not isinstance(claims, dict) or not now < claims.get("exp", -math.inf):
        return None
    if revoked is not None and claims.get("jti") in revoked:
        return None
    return claims
