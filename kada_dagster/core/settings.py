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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

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


def _host_only(value: Any) -> Any:
    """The KADA mapping's host-only form (`{"name": "host"}`) as `{"name": {"host": ...}}`."""
    if isinstance(value, Mapping):
        return {k: {"host": v} if isinstance(v, str) else v for k, v in value.items()}
    return value


def _bool_words(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() not in _BOOL_WORDS:
        raise ValueError("must be true or false")
    return value


def _iso_day(value: Any) -> Any:
    """A date, a datetime or text starting with YYYY-MM-DD → that day as YYYY-MM-DD."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        value = value.strip()[:10]
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date YYYY-MM-DD") from None
    if not isinstance(value, date):
        raise ValueError("must be a date YYYY-MM-DD")
    return value.isoformat()


_BOOL_WORDS = {"1", "true", "yes", "y", "on", "0", "false", "no", "n", "off"}
MappingEntries = Annotated[dict[str, dict[str, str]], BeforeValidator(_host_only)]
Flag = Annotated[bool, BeforeValidator(_bool_words)]
Day = Annotated[str, BeforeValidator(_iso_day)]


class CollectorSettings(BaseModel):
    """Everything one collector instance needs, typed and validated once, whatever layer a value came
    from; safe to log (credentials are `Secret`). A vendor with settings of its own subclasses it
    (`HevoSettings`); there is no untyped remainder."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, str_strip_whitespace=True)

    instance: str
    source_type: str
    credentials: Mapping[str, Secret] = Field(default_factory=dict, repr=False)
    credential_sources: Mapping[str, str] = Field(default_factory=dict, repr=False)
    base_url: str | None = None
    host: str = ""
    mapping: MappingEntries = Field(default_factory=dict)
    mask: Flag = True
    compress: Flag = True
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    landing_path: str = ""
    landing_url: str = DEFAULT_LANDING_URL
    start_date: Day = DEFAULT_START_DATE
    ignored_keys: tuple[str, ...] = ()
    """Keys of the KADA config JSON this collector does not read (their names only, shown in the UI)."""

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
        shown = self.model_dump(exclude={"credentials", "credential_sources", "mapping", "ignored_keys"})
        return {
            **shown,
            "landing_url": redact_url(self.landing_url),
            "mapping_entries": len(self.mapping),
            "credentials_set": {k: bool(v) for k, v in self.credentials.items()},
            "ignored_keys": list(self.ignored_keys),
        }


# Fields a settings model gets from the resolver itself, never from a layer.
_RESOLVED_FIELDS = frozenset({"instance", "source_type", "credentials", "credential_sources", "landing_url",
                              "ignored_keys"})


@dataclass(frozen=True)
class SourceProfile:
    """How a vendor's settings are named and defaulted, and the typed model they resolve into."""

    source_type: str
    credential_env: Mapping[str, str]  # KADA JSON field -> env var of the default instance
    config_env: str  # env var naming the KADA config JSON
    base_url_env: str
    default_host: str
    setting_env: Mapping[str, str] = field(default_factory=dict)  # the vendor's own settings -> env var
    settings_type: type[CollectorSettings] = CollectorSettings

    def setting_names(self) -> frozenset[str]:
        """The settings a layer may give (credentials apart)."""
        return frozenset(self.settings_type.model_fields) - _RESOLVED_FIELDS


def redact_url(url: str) -> str:
    """Drops user info and query strings (SAS tokens live there) from a URL before it is shown."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    rest = rest.split("?", 1)[0]
    if "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return f"{scheme}://{rest}"


_EXPECTED = {"mask": "true or false", "compress": "true or false", "timeout": "a positive number of seconds",
             "mapping": "an object of {name: {host, database}}", "start_date": "a date YYYY-MM-DD"}


def _expected(key: str, error: Mapping[str, Any]) -> str:
    if key in _EXPECTED:
        return _EXPECTED[key]
    if error.get("type") == "literal_error":
        return f"one of {error.get('ctx', {}).get('expected', '')}"
    return "valid"


def _validate(settings_type: type[CollectorSettings], values: Mapping[str, Any],
              origin: Mapping[str, str]) -> CollectorSettings:
    """Typed settings; a bad value is one sentence naming the setting, where it came from and what it takes."""
    try:
        return settings_type.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else "?"
        where = origin.get(key, f"'{key}'")
        raise SettingsError(f"setting '{key}' ({where}) must be {_expected(key, error)}, got "
                            f"{values.get(key)!r}") from None


def _as_bool(value: Any, setting: str) -> bool:
    """One boolean from the environment (KADA_AUTO_PUSH), with the settings' own words."""
    if not str(value).strip():
        return True
    try:
        return TypeAdapter(Flag).validate_python(value)
    except ValidationError:
        raise SettingsError(f"{setting}={value!r} must be true or false") from None


def _as_date(value: Any, setting: str) -> str:
    try:
        return TypeAdapter(Day).validate_python(value)
    except ValidationError:
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
        env_fields = {**profile.credential_env, "base_url": profile.base_url_env, **profile.setting_env,
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
                   f"credentials: {{{key}: '{{{{ env.<VAR> }}}}'}} in kada_dagster/defs/{instance}/defs.yaml"]
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
    known = profile.setting_names()
    given = {k: v for k, v in values.items() if k in known}
    settings = _validate(profile.settings_type, {
        **given,
        "instance": instance,
        "source_type": profile.source_type,
        "credentials": credentials,
        "credential_sources": credential_sources,
        "landing_url": str(landing_url or output_path or DEFAULT_LANDING_URL),
        "ignored_keys": tuple(sorted(k for k in values if k not in known)),
    }, origin)
    return settings.model_copy(update={
        "base_url": settings.base_url.rstrip("/") if settings.base_url else None,
        "host": settings.host or profile.default_host,
        "landing_path": (settings.landing_path or f"lz/{instance}/landing").strip("/"),
    })


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
