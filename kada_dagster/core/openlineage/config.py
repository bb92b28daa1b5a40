"""Whether OpenLineage is configured, and where: the client's own configuration, read where it reads it.

The OpenLineage Python client takes its transport from (PUBLIC: openlineage-python `client.py`,
`OpenLineageClient._resolve_transport` and `config`; https://openlineage.io/docs/client/python):
1. `OPENLINEAGE_DISABLED=true`: nothing is sent;
2. a `transport` with a `type` in `openlineage.yml` (the file `OPENLINEAGE_CONFIG` names, else
   `./openlineage.yml`, else `~/.openlineage/openlineage.yml`) or in `OPENLINEAGE__TRANSPORT__...` variables;
3. `OPENLINEAGE_URL` (+ `OPENLINEAGE_API_KEY`, `OPENLINEAGE_ENDPOINT`): HTTP;
4. else it prints events to the console. That fallback is not "configured" here: without 2 or 3 the
   `<instance>/openlineage` asset is not defined, so nothing changes for a deployment that does not use it.

The setting found is named in every failure message, so the user knows what to fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from kada_dagster.core.settings import redact_url

DISABLED_ENV = "OPENLINEAGE_DISABLED"
CONFIG_ENV = "OPENLINEAGE_CONFIG"
URL_ENV = "OPENLINEAGE_URL"
TRANSPORT_TYPE_ENV = "OPENLINEAGE__TRANSPORT__TYPE"


@dataclass(frozen=True)
class OpenLineageSetting:
    """Where the transport comes from; `describe()` is what a failure message tells the user to check."""

    source: str  # "openlineage.yml", "environment" or "url"
    detail: str  # the file's path, the variables' names, or the URL (credentials removed)
    transport_type: str  # as configured: http, file, console, kafka, composite, ...

    def describe(self) -> str:
        if self.source == "openlineage.yml":
            return f"the transport in {self.detail} (openlineage.yml)"
        if self.source == "environment":
            return f"the environment variables {self.detail} (transport type {self.transport_type})"
        return f"{URL_ENV} ({self.detail})"


def config_file() -> Path | None:
    """The openlineage.yml the client reads, in its order of precedence."""
    candidates = [os.environ.get(CONFIG_ENV) or "", str(Path.cwd() / "openlineage.yml"),
                  str(Path("~/.openlineage/openlineage.yml").expanduser())]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.R_OK):
            return Path(candidate)
    return None


def _file_transport(path: Path) -> str:
    """The transport type the file configures ("" for none); an unreadable file counts as configured, so
    the asset exists and fails naming the file rather than the file being silently ignored."""
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "unreadable"
    transport = content.get("transport") if isinstance(content, dict) else None
    return str(transport.get("type") or "") if isinstance(transport, dict) else ""


def disabled() -> bool:
    """`OPENLINEAGE_DISABLED=true`: the client sends nothing, whatever else is set."""
    return os.environ.get(DISABLED_ENV, "").strip().lower() == "true"


def configured_setting() -> OpenLineageSetting | None:
    """The setting the client will send with, or None when OpenLineage is off (not configured or disabled)."""
    if disabled():
        return None
    path = config_file()  # the client merges the file over the variables: the file's transport wins
    file_type = _file_transport(path) if path is not None else ""
    if path is not None and file_type:
        return OpenLineageSetting("openlineage.yml", str(path), file_type)
    env_type = os.environ.get(TRANSPORT_TYPE_ENV, "").strip()
    if env_type:  # names only: a value may be a credential (an api key in ..._AUTH)
        names = sorted(k for k in os.environ if k.startswith("OPENLINEAGE__TRANSPORT__"))
        return OpenLineageSetting("environment", ", ".join(names), env_type)
    url = os.environ.get(URL_ENV, "").strip()
    if url:
        return OpenLineageSetting("url", redact_url(url), "http")
    return None
