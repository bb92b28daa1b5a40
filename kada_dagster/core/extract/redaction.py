"""Credential redaction for configuration blobs: applied before anything is stored, shown or landed.

Vendor APIs return source and destination `configuration` objects that may carry warehouse passwords,
private keys and SaaS tokens (PostHog scrubs them for the same reason). Keys are judged word by word,
so `password`, `clientSecret`, `db_password`, `privateKey`, `accessToken` or `sas` are redacted while
`primaryKey`, `sortKey` or `token_type` stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

REDACTED = "***REDACTED***"

_SECRET_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "pass", "passphrase", "secret", "secrets", "token", "tokens",
        "credential", "credentials", "creds", "sas", "signature", "apikey", "authorization", "auth",
        "cookie", "session", "bearer", "jwt", "certificate", "cert", "pem", "keyfile", "keystore",
        "connectionstring", "dsn",
    }
)
_SAFE_WORDS_BEFORE_KEY = frozenset(
    {"primary", "sort", "partition", "foreign", "unique", "dist", "distribution", "cluster", "clustering",
     "object", "idempotency", "join", "merge", "dedup", "dedupe", "lookup", "external", "surrogate", "natural"}
)
_SAFE_EXACT = frozenset({"token_type", "tokentype", "auth_type", "authtype", "authentication_type", "auth_method",
                         "authmethod", "authentication_method", "credential_type", "is_primary_key", "isprimarykey",
                         "primary_keys", "session_timeout"})
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]+):(?P<pw>[^@/\s]+)@")
_SECRET_QUERY = re.compile(r"(?i)([?&](?:sig|signature|token|access_token|password|secret|api_key|apikey|sv|se|sp)=)[^&\s\"']+")
_PEM = re.compile(r"-----BEGIN [A-Z ]*(?:PRIVATE KEY|CERTIFICATE)-----.*?-----END [A-Z ]*(?:PRIVATE KEY|CERTIFICATE)-----", re.S)


def _words(key: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(key.replace("-", "_"))]


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """True when a configuration key names a credential."""
    lowered = key.lower()
    if lowered in _SAFE_EXACT:
        return False
    compact = re.sub(r"[^a-z0-9]", "", lowered)
    if compact in _SECRET_WORDS or compact in {"privatekey", "accesskey", "secretkey", "accountkey", "clientkey",
                                                "masterkey", "signingkey", "encryptionkey", "serviceaccountkey",
                                                "connectionstring", "accesstoken", "refreshtoken", "apitoken"}:
        return True
    words = _words(key)
    if any(w in _SECRET_WORDS for w in words):
        return words[-1] not in {"type", "method"}  # `passwordType` names a kind, not a value
    if words and words[-1] in {"key", "keys"}:
        return not (len(words) > 1 and words[-2] in _SAFE_WORDS_BEFORE_KEY)
    return False


def redact_text(text: str) -> str:
    """Removes credentials embedded in free text: URL user info, secret query params, PEM blocks."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", text)
    text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _PEM.sub(REDACTED, text)


def redact(value: Any, *, counter: list[int] | None = None) -> Any:
    """A deep copy of `value` with every credential-named key's value replaced by REDACTED."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = str(k)
            if is_secret_key(key) and v not in (None, "", [], {}):
                out[key] = REDACTED
                if counter is not None:
                    counter[0] += 1
            else:
                out[key] = redact(v, counter=counter)
        return out
    if isinstance(value, list):
        return [redact(v, counter=counter) for v in value]
    if isinstance(value, str):
        return redact_text(value) if ("://" in value or "-----BEGIN" in value or "=" in value) else value
    return value
