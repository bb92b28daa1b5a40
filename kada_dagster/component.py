"""`KadaCollectorComponent`: named extra collector instances from YAML (contract section 1, item 3).

A customer with two Hightouch workspaces, or Hightouch and a second Hevo account, adds one folder per
instance under `kada_dagster/defs/` with a `defs.yaml`:

    type: kada_dagster.component.KadaCollectorComponent
    attributes:
      source: hightouch
      instance: hightouch_emea
      config_file: /etc/kada/kada_hightouch_emea_config.json   # the KADA JSON, unchanged (optional)
      credentials:
        api_token: "{{ env.HIGHTOUCH_EMEA_API_TOKEN }}"        # as first-party components write it
      start_date: "2025-06-01"

`dg scaffold defs kada_dagster.component.KadaCollectorComponent <folder> --source hightouch` writes that
file. Credentials are named by environment variable and passed as `EnvVar`, so the UI shows the name,
not the value, and they are read only when a run starts. `{{ env.X }}` (or `{{ env('X') }}`) in
`credentials` is therefore NOT rendered when definitions load, unlike in first-party components (which
would put the value into the resource config the UI shows): it becomes `EnvVar("X")`. The older
`credentials_env: {api_token: X}` (variable names) means the same. Other string attributes are rendered
at load time by Dagster's own templating, as in every component.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import dagster as dg
from dagster.components.component_scaffolding import scaffold_component
from pydantic import BaseModel, Field

from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import auto_push_from_env


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


# `{{ env.NAME }}` or `{{ env('NAME') }}` / `{{ env("NAME") }}`, the whole value, spaces optional.
_ENV_TEMPLATE = re.compile(r"""^\{\{\s*env(?:\.(\w+)|\(\s*['"](\w+)['"]\s*\))\s*\}\}$""")


def _resolve_credentials(context: dg.ResolutionContext, raw: Mapping[str, str] | None) -> dict[str, str]:
    """`{{ env.X }}` per credential -> the variable's name "X" (build_defs passes `EnvVar("X")`, read when a
    run starts); anything else is refused, so a token is never written into defs.yaml nor rendered into
    the resource config the UI shows."""
    resolved: dict[str, str] = {}
    for field, template in (raw or {}).items():
        match = _ENV_TEMPLATE.match(str(template).strip())
        if not match:
            raise dg.DagsterInvalidDefinitionError(
                f"credentials.{field}: write the environment variable that holds it, as "
                f"'{{{{ env.NAME }}}}' (read when a run starts), not a literal value or another expression")
        resolved[field] = match.group(1) or match.group(2)
    return resolved


class KadaScaffoldParams(BaseModel):
    """What `dg scaffold defs kada_dagster.component.KadaCollectorComponent <folder>` asks for."""

    source: Literal["hightouch", "hevo"] = "hightouch"
    instance: str | None = Field(default=None, description="Instance name (default: the folder's name).")
    start_date: str | None = Field(default=None, description="First daily partition, YYYY-MM-DD.")


class KadaCollectorScaffolder(dg.Scaffolder[KadaScaffoldParams]):
    """Writes a defs.yaml that loads as is: the instance named after its folder, credentials as
    `{{ env.<INSTANCE>_<FIELD> }}` so the user only has to set those variables."""

    @classmethod
    def get_scaffold_params(cls) -> type[KadaScaffoldParams]:
        return KadaScaffoldParams

    def scaffold(self, request: dg.ScaffoldRequest[KadaScaffoldParams]) -> None:
        params = request.params
        instance = params.instance or re.sub(r"\W", "_", Path(request.target_path).name)
        resource_cls, _ = _sources()[params.source]
        fields = resource_cls.profile.credential_env
        attributes: dict[str, Any] = {
            "source": params.source,
            "instance": instance,
            "credentials": {field: f"{{{{ env.{instance.upper()}_{field.upper()} }}}}" for field in fields},
        }
        if params.start_date:
            attributes["start_date"] = params.start_date
        scaffold_component(request, attributes)


@dg.scaffold_with(KadaCollectorScaffolder)
class KadaCollectorComponent(dg.Component, dg.Resolvable, dg.Model):
    """One named Hightouch workspace or Hevo account as a collector instance."""

    source: Literal["hightouch", "hevo"]
    instance: str = Field(description="Instance name: asset prefix, group, file prefix, lz/<instance>/landing.")
    config_file: str | None = Field(default=None, description="KADA collector config JSON for this instance.")
    credentials_env: dict[str, str] = Field(default_factory=dict,
                                            description="Credential field -> environment variable name.")
    credentials: Annotated[
        dict[str, str],
        dg.Resolver(_resolve_credentials, model_field_type=dict[str, str] | None, inject_before_resolve=False,
                    description="Credential field -> '{{ env.NAME }}' (read when a run starts, never rendered)."),
    ] = Field(default_factory=dict)
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
        both = set(self.credentials_env) & set(self.credentials)
        if both:
            raise dg.DagsterInvalidDefinitionError(
                f"{self.instance}: {sorted(both)} set in both credentials_env and credentials; keep one")
        credentials: dict[str, Any] = {field: dg.EnvVar(var)
                                       for field, var in {**self.credentials_env, **self.credentials}.items()}
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
