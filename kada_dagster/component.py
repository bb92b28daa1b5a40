"""The component types a `defs.yaml` names (this module is the project's component registry).

    type: kada_dagster.component.HightouchCollectorComponent
    attributes:
      instance: hightouch_emea
      config_file: /etc/kada/kada_hightouch_emea_config.json   # the KADA JSON, unchanged (optional)
      credentials:
        api_token: "{{ env.HIGHTOUCH_EMEA_API_TOKEN }}"        # read when a run starts, never rendered
      settings: {timeout: 30}
      start_date: "2025-06-01"

`dg scaffold defs kada_dagster.component.HevoCollectorComponent <folder>` writes one that loads as is.
See `kada_dagster.core.component` for the attributes and how credentials are read.
"""

from __future__ import annotations

import dagster as dg
from pydantic import BaseModel, ConfigDict, create_model

from kada_dagster.hevo.definitions import HevoCollectorComponent
from kada_dagster.hightouch.definitions import HightouchCollectorComponent

__all__ = ["HevoCollectorComponent", "HightouchCollectorComponent", "KadaCollectorComponent"]


class KadaCollectorComponent(dg.Component, dg.Resolvable, dg.Model):
    """The earlier, untyped component (`source: hightouch|hevo`, `settings: {...}`, `credentials_env`): any
    attributes are accepted only to refuse them with the lines to write instead."""

    source: str = "hightouch"

    @classmethod
    def model(cls) -> type[BaseModel]:
        return create_model("KadaCollectorComponentModel", __config__=ConfigDict(extra="allow"),
                            source=(str, "hightouch"))

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        vendor = HevoCollectorComponent if self.source == "hevo" else HightouchCollectorComponent
        raise dg.DagsterInvalidDefinitionError(
            f"{context.path}: KadaCollectorComponent is replaced by one typed component per vendor: write "
            f"`type: kada_dagster.component.{vendor.__name__}`, drop `source`, and write each credential as "
            f"`credentials: {{<name>: '{{{{ env.NAME }}}}'}}` (credentials_env is not supported)")
