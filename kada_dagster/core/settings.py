"""Collector instance settings, resolved the way the K extract contract says (later wins):

1. the KADA collector's own config JSON, unchanged (`KADA_HIGHTOUCH_CONFIG`, `KADA_HEVO_CONFIG`),
2. environment variables, for the default instances only,
3. explicit Dagster configuration (resource fields / component YAML), for named instances.

Credentials are held in `Secret` so that no repr, log line or metadata value can show them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_START_DATE = "2025-01-01"
DEFAULT_TIMEOUT = 20.0
DEFAULT_LANDING_URL = "./landing"


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names it."""


class Secret:
    """A credential value that never prints itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class SourceProfile:
    """What differs between sources in how settings are named and defaulted."""

    source_type: str
    credential_env: Mapping[str, str]  # KADA JSON field -> env var of the default instance
    config_env: str  # env var naming the KADA config JSON
    base_url_env: str
    default_host: str
    extra_env: Mapping[str, str] = field(default_factory=dict)  # other fields -> env var


@dataclass(frozen=True)
class CollectorSettings:
    """Everything one collector instance needs; safe to log (credentials are `Secret`)."""

    instance: str
    source_type: str
    credentials: Mapping[str, Secret]
    credential_sources: Mapping[str, str]
    base_url: str | None = None
    host: str = ""
    mapping: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    mask: bool = True
    compress: bool = True
    timeout: float = DEFAULT_TIMEOUT
    landing_path: str = ""
    landing_url: str = DEFAULT_LANDING_URL
    start_date: str = DEFAULT_START_DATE
    extra: Mapping[str, Any] = field(default_factory=dict)

    def credential(self, name: str) -> str:
        """The credential's value, or a SettingsError naming where it should have come from."""
        secret = self.credentials.get(name)
        if not secret:
            raise SettingsError(
                f"{self.source_type} instance '{self.instance}': no {name} is set. "
                f"Set {self.credential_sources.get(name, name)}."
            )
        return secret.reveal()

    def check_credentials(self) -> None:
        for name in self.credential_sources:
            self.credential(name)

    def public_summary(self) -> dict[str, Any]:
        """Settings as shown in the UI: no credential values, only whether each is set."""
        return {
            "instance": self.instance,
            "source_type": self.source_type,
            "base_url": self.base_url,
            "host": self.host,
            "mapping_entries": len(self.mapping),
            "mask": self.mask,
            "compress": self.compress,
            "timeout": self.timeout,
            "landing_url": redact_url(self.landing_url),
            "landing_path": self.landing_path,
            "start_date": self.start_date,
            "credentials_set": {k: bool(v) for k, v in self.credentials.items()},
            **{k: v for k, v in self.extra.items() if not _looks_secret_name(k)},
        }


def redact_url(url: str) -> str:
    """Drops user info and query strings (SAS tokens live there) from a URL before it is shown."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    rest = rest.split("?", 1)[0]
    if "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return f"{scheme}://{rest}"


def _looks_secret_name(name: str) -> bool:
    from kada_dagster.core.extract.redaction import is_secret_key

    return is_secret_key(name)


def _as_bool(value: Any, setting: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "y", "on", "0", "false", "no", "n", "off"}:
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    raise SettingsError(f"setting '{setting}' must be true or false, got {value!r}")


def _as_timeout(value: Any, setting: str) -> float:
    try:
        timeout = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting '{setting}' must be a number of seconds, got {value!r}") from None
    if timeout <= 0:
        raise SettingsError(f"setting '{setting}' must be positive, got {value!r}")
    return timeout


def _as_mapping(value: Any, setting: str) -> dict[str, dict[str, str]]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise SettingsError(f"setting '{setting}' is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SettingsError(f"setting '{setting}' must be an object of {{name: {{host, database}}}}")
    out: dict[str, dict[str, str]] = {}
    for name, entry in value.items():
        if isinstance(entry, str):  # host-only form of KADA mapping
            out[str(name)] = {"host": entry}
        elif isinstance(entry, Mapping):
            out[str(name)] = {str(k): str(v) for k, v in entry.items() if v is not None}
        else:
            raise SettingsError(f"setting '{setting}': entry '{name}' must be an object with host and database")
    return out


def _as_date(value: Any, setting: str) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise SettingsError(f"setting '{setting}' must be a date YYYY-MM-DD, got {value!r}") from None


def load_kada_config(path: str | os.PathLike[str], setting: str) -> dict[str, Any]:
    """Reads a KADA collector config JSON as the vendor documents it, unchanged."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{setting}={path}: cannot read the KADA config file ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{setting}={path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{setting}={path}: expected a JSON object of collector settings")
    return data


def resolve_settings(
    profile: SourceProfile,
    instance: str | None = None,
    *,
    config_file: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> CollectorSettings:
    """Merges JSON, environment and explicit overrides into one CollectorSettings."""
    env = os.environ if env is None else env
    instance = instance or profile.source_type
    is_default = instance == profile.source_type
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}

    json_path = config_file or (env.get(profile.config_env) if is_default else None)
    json_setting = profile.config_env if not config_file else f"{instance}.config_file"
    if json_path:
        for key, value in load_kada_config(json_path, json_setting).items():
            if value not in (None, ""):
                values[key] = value
                origin[key] = f"'{key}' in {json_setting}"

    if is_default:
        env_fields = {**profile.credential_env, "base_url": profile.base_url_env, **profile.extra_env}
        env_fields["start_date"] = "KADA_START_DATE"
        for key, var in env_fields.items():
            if env.get(var):
                values[key] = env[var]
                origin[key] = var
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
            origin[key] = f"'{key}' in the {instance} resource configuration"

    credentials: dict[str, Secret] = {}
    credential_sources: dict[str, str] = {}
    for key, var in profile.credential_env.items():
        raw = values.pop(key, None)
        credentials[key] = Secret(str(raw) if raw is not None else "")
        hint = var if is_default else f"'{key}' in the {instance} resource configuration"
        if json_path:
            hint += f" or '{key}' in {json_path}"
        credential_sources[key] = origin.get(key, hint) if raw else hint

    landing_url = env.get("KADA_LANDING_URL") or values.pop("landing_url", None)
    output_path = values.pop("output_path", None)
    if not landing_url:
        landing_url = output_path or DEFAULT_LANDING_URL

    known = {"base_url", "host", "mapping", "mask", "compress", "timeout", "landing_path", "start_date"}
    extra = {k: v for k, v in values.items() if k not in known}
    return CollectorSettings(
        instance=instance,
        source_type=profile.source_type,
        credentials=credentials,
        credential_sources=credential_sources,
        base_url=str(values["base_url"]).rstrip("/") if values.get("base_url") else None,
        host=str(values.get("host") or profile.default_host),
        mapping=_as_mapping(values.get("mapping"), "mapping"),
        mask=_as_bool(values.get("mask", True), "mask"),
        compress=_as_bool(values.get("compress", True), "compress"),
        timeout=_as_timeout(values.get("timeout", DEFAULT_TIMEOUT), "timeout"),
        landing_path=str(values.get("landing_path") or f"lz/{instance}/landing").strip("/"),
        landing_url=str(landing_url),
        start_date=_as_date(values.get("start_date", DEFAULT_START_DATE), "start_date"),
        extra=extra,
    )


def start_date_for(profile: SourceProfile, instance: str | None = None, configured: str | None = None) -> str:
    """The first partition, needed when definitions load (before any resource runs)."""
    if configured:
        return _as_date(configured, "start_date")
    if (instance or profile.source_type) == profile.source_type and os.environ.get("KADA_START_DATE"):
        return _as_date(os.environ["KADA_START_DATE"], "KADA_START_DATE")
    return DEFAULT_START_DATE
