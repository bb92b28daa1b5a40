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
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

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
        """The credential's value, or a SettingsError naming every place it can be set, and the next step."""
        secret = self.credentials.get(name)
        if not secret:
            raise SettingsError(
                f"The {self.source_type} {name} of instance '{self.instance}' is not set: set "
                f"{self.credential_sources.get(name, name)}, then materialise the partition again."
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


def _host_only(value: Any) -> Any:
    """The KADA mapping's host-only form (`{"name": "host"}`) as `{"name": {"host": ...}}`."""
    if isinstance(value, Mapping):
        return {k: {"host": v} if isinstance(v, str) else v for k, v in value.items()}
    return value


MappingEntries = Annotated[dict[str, dict[str, str]], BeforeValidator(_host_only)]
_BOOL_WORDS = {"1", "true", "yes", "y", "on", "0", "false", "no", "n", "off"}


class _Values(BaseModel):
    """The contract's settings with their types: the one validation, whatever layer a value came from."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    base_url: str | None = None
    host: str | None = None
    mapping: MappingEntries = Field(default_factory=dict)
    mask: bool = True
    compress: bool = True
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    landing_path: str | None = None
    start_date: date = date.fromisoformat(DEFAULT_START_DATE)

    @field_validator("mask", "compress", mode="before")
    @classmethod
    def _bool_words(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() not in _BOOL_WORDS:
            raise ValueError("must be true or false")
        return value

    @field_validator("start_date", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        return str(value)[:10] if isinstance(value, (str, datetime)) else value


_EXPECTED = {"mask": "true or false", "compress": "true or false", "timeout": "a positive number of seconds",
             "mapping": "an object of {name: {host, database}}", "start_date": "a date YYYY-MM-DD"}


def _validate(values: Mapping[str, Any], origin: Mapping[str, str]) -> _Values:
    """Typed settings; a bad value is one sentence naming the setting, where it came from and what it takes."""
    try:
        return _Values.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else "?"
        where = origin.get(key, f"'{key}'")
        raise SettingsError(f"setting '{key}' ({where}) must be {_EXPECTED.get(key, 'valid')}, got "
                            f"{values.get(key)!r}") from None


def _as_bool(value: Any, setting: str) -> bool:
    """One boolean from the environment (KADA_AUTO_PUSH), with the settings' own words."""
    return _validate({"mask": value}, {"mask": setting}).mask if str(value).strip() else True


def _as_date(value: Any, setting: str) -> str:
    return _validate({"start_date": value}, {"start_date": setting}).start_date.isoformat()


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


def _layers(profile: SourceProfile, instance: str, config_file: str | None, overrides: Mapping[str, Any] | None,
            env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str], str | None]:
    """The contract's layers, later wins: KADA JSON, environment (default instance), Dagster config."""
    is_default = instance == profile.source_type
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    json_path = config_file or (env.get(profile.config_env) if is_default else None)
    json_setting = profile.config_env if not config_file else f"{instance}.config_file"
    if json_path:
        for key, value in load_kada_config(json_path, json_setting).items():
            if value not in (None, ""):
                values[key], origin[key] = value, f"'{key}' in {json_setting}={json_path}"
    if is_default:
        env_fields = {**profile.credential_env, "base_url": profile.base_url_env, **profile.extra_env,
                      "start_date": "KADA_START_DATE"}
        for key, var in env_fields.items():
            if env.get(var):
                values[key], origin[key] = env[var], var
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key], origin[key] = value, f"'{key}' in the {instance} resource configuration"
    return values, origin, json_path


def _credential_hint(profile: SourceProfile, instance: str, key: str, json_path: str | None) -> str:
    """Every place a user can set credential `key` of `instance`, in one phrase."""
    places = []
    if instance == profile.source_type:
        places += [f"the environment variable {profile.credential_env[key]}",
                   f"'{key}' in the KADA config JSON named by {profile.config_env}"
                   + (f" ({json_path})" if json_path else "")]
    else:
        places += [f"'{key}' in the {instance} resource configuration (an EnvVar)",
                   f"credentials_env: {{{key}: <ENV VAR>}} in kada_dagster/defs/{instance}/defs.yaml"]
        if json_path:
            places.append(f"'{key}' in {json_path}")
    return ", or ".join(places)


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
    values, origin, json_path = _layers(profile, instance, config_file, overrides, env)
    credentials: dict[str, Secret] = {}
    credential_sources: dict[str, str] = {}
    for key in profile.credential_env:
        raw = values.pop(key, None)
        credentials[key] = Secret(str(raw) if raw is not None else "")
        credential_sources[key] = origin[key] if raw else _credential_hint(profile, instance, key, json_path)
    landing_url = env.get("KADA_LANDING_URL") or values.pop("landing_url", None)
    output_path = values.pop("output_path", None)
    typed = _validate(values, origin)
    known = set(_Values.model_fields)
    return CollectorSettings(
        instance=instance,
        source_type=profile.source_type,
        credentials=credentials,
        credential_sources=credential_sources,
        base_url=typed.base_url.rstrip("/") if typed.base_url else None,
        host=typed.host or profile.default_host,
        mapping=typed.mapping,
        mask=typed.mask,
        compress=typed.compress,
        timeout=typed.timeout,
        landing_path=(typed.landing_path or f"lz/{instance}/landing").strip("/"),
        landing_url=str(landing_url or output_path or DEFAULT_LANDING_URL),
        start_date=typed.start_date.isoformat(),
        extra={k: v for k, v in values.items() if k not in known},
    )


def start_date_for(profile: SourceProfile, instance: str | None = None, configured: str | None = None) -> str:
    """The first partition, needed when definitions load (before any resource runs)."""
    if configured:
        return _as_date(configured, "start_date")
    if (instance or profile.source_type) == profile.source_type and os.environ.get("KADA_START_DATE"):
        return _as_date(os.environ["KADA_START_DATE"], "KADA_START_DATE")
    return DEFAULT_START_DATE


def auto_push_from_env() -> bool:
    """KADA_AUTO_PUSH (default true): whether each instance's daily job ends with the landing asset. A value
    that is not clearly true or false is an error, not a push: this setting keeps unreviewed extracts away from
    K (false: a person materialises `<instance>/landing` for the day after looking at the tables)."""
    value = os.environ.get("KADA_AUTO_PUSH", "").strip()
    return _as_bool(value, "KADA_AUTO_PUSH") if value else True
