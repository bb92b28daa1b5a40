"""`KadaCollectorComponent`: named extra collector instances from YAML (contract section 1, item 3).

A customer with two Hightouch workspaces, or Hightouch and a second Hevo account, adds one folder per
instance under `kada_dagster/defs/` with a `defs.yaml`:

    type: kada_dagster.component.KadaCollectorComponent
    attributes:
      source: hightouch
      instance: hightouch_emea
      config_file: /etc/kada/kada_hightouch_emea_config.json   # the KADA JSON, unchanged (optional)
      credentials_env: {api_token: HIGHTOUCH_EMEA_API_TOKEN}   # env var NAMES, never values
      start_date: "2025-06-01"

Credentials are named by environment variable and passed as `EnvVar`, so the UI shows the name, not
the value, and they are read only when a run starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import dagster as dg
from pydantic import Field

from kada_dagster.core.resources import VendorResource, auto_push_from_env


def _sources() -> dict[str, tuple[type[VendorResource], Callable[..., dg.Definitions]]]:
    from kada_dagster.hightouch.definitions import hightouch_definitions
    from kada_dagster.hightouch.resources import HightouchResource

    sources: dict[str, tuple[type[VendorResource], Callable[..., dg.Definitions]]] = {
        "hightouch": (HightouchResource, hightouch_definitions),
    }
    try:
        from kada_dagster.hevo.definitions import hevo_definitions
        from kada_dagster.hevo.resources import HevoResource
    except ImportError:
        return sources
    sources["hevo"] = (HevoResource, hevo_definitions)
    return sources


class KadaCollectorComponent(dg.Component, dg.Resolvable, dg.Model):
    """One named Hightouch workspace or Hevo account as a collector instance."""

    source: Literal["hightouch", "hevo"]
    instance: str = Field(description="Instance name: asset prefix, group, file prefix, lz/<instance>/landing.")
    config_file: str | None = Field(default=None, description="KADA collector config JSON for this instance.")
    credentials_env: dict[str, str] = Field(default_factory=dict,
                                            description="Credential field -> environment variable name.")
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description="Resource settings: base_url, region, flavour, host, mask, "
                                                 "compress, timeout, landing_path, max_concurrency, ...")
    mapping: dict[str, dict[str, str]] | None = None
    start_date: str | None = None
    auto_push: bool | None = Field(default=None, description="Push automatically; default: KADA_AUTO_PUSH.")

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        sources = _sources()
        if self.source not in sources:
            raise dg.DagsterInvalidDefinitionError(f"{self.instance}: source '{self.source}' is not available")
        resource_cls, definitions = sources[self.source]
        credentials = {field: dg.EnvVar(var) for field, var in self.credentials_env.items()}
        unknown = set(credentials) - set(resource_cls.model_fields)
        if unknown:
            raise dg.DagsterInvalidDefinitionError(
                f"{self.instance}: credentials_env names unknown fields {sorted(unknown)} for {self.source}")
        resource = resource_cls(
            instance=self.instance,
            config_file=self.config_file,
            mapping=self.mapping,
            **self.settings,
            **credentials,
        )
        return definitions(instance=self.instance, resource=resource, start_date=self.start_date,
                           auto_push=auto_push_from_env() if self.auto_push is None else self.auto_push)
