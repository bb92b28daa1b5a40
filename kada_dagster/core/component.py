"""The collector component: one collector instance from a `defs.yaml`, with attributes typed per vendor.

Every instance, the default `hightouch` and `hevo` ones included, is a folder under `kada_dagster/defs/`
holding a `defs.yaml` of a vendor's component (`HightouchCollectorComponent`, `HevoCollectorComponent`).
The attribute schema is the vendor's own: `settings` takes exactly the fields of the vendor's resource,
typed as its settings model types them, and `credentials` exactly its credential names, so `dg check
defs` reports a misspelt or mistyped setting with its YAML line.

Credentials have one spelling, `{{ env.NAME }}` (or `{{ env('NAME') }}`). Unlike first-party components,
the template is NOT rendered when definitions load (the value would land in the resource config the UI
shows): it becomes `EnvVar("NAME")`, read when a run starts.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Optional

import dagster as dg
from dagster.components.component_scaffolding import scaffold_component
from pydantic import BaseModel, Field, create_model, field_validator

from kada_dagster.core.collector import Collector
from kada_dagster.core.definitions import collector_definitions
from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import auto_push_from_env

# `{{ env.NAME }}` or `{{ env('NAME') }}` / `{{ env("NAME") }}`, the whole value, spaces optional.
_ENV_TEMPLATE = re.compile(r"""^\{\{\s*env(?:\.(\w+)|\(\s*['"](\w+)['"]\s*\))\s*\}\}$""")

# Resource fields that are attributes of their own (or set by the component), not `settings`.
_NOT_SETTINGS = frozenset({"instance", "config_file", "mapping"})


def settings_attributes(resource_type: type[VendorResource]) -> type[BaseModel]:
    """The `settings` attribute of a vendor's component: every field of its resource that a YAML may set,
    typed as the vendor's settings model types it where it has the field (so `region: mars` fails the
    schema), else as the resource types it; nothing else is accepted."""
    profile = resource_type.profile
    typed = profile.settings_type.model_fields
    fields: dict[str, Any] = {}
    for name, info in resource_type.model_fields.items():
        if name in _NOT_SETTINGS or name in profile.credential_env:
            continue
        source = typed.get(name, info)
        annotation = source.rebuild_annotation() if name in typed else info.annotation
        fields[name] = (Optional[annotation], Field(default=None, description=info.description))  # noqa: UP045
    title = f"{profile.settings_type.__name__}Attributes"
    return create_model(title, __base__=dg.Model, **fields)


def credentials_attributes(resource_type: type[VendorResource]) -> type[BaseModel]:
    """The `credentials` attribute of a vendor's component: its credential names, each `{{ env.NAME }}`."""
    profile = resource_type.profile
    fields: dict[str, Any] = {
        name: (str | None, Field(default=None, description=f"'{{{{ env.NAME }}}}': the variable holding the {name}"))
        for name in profile.credential_env
    }
    return create_model(f"{profile.settings_type.__name__}Credentials", __base__=dg.Model, **fields)


def _resolve_settings(context: dg.ResolutionContext, value: BaseModel | None) -> dict[str, Any]:
    """The settings the YAML gives, as resource fields (templates in them rendered as in any component)."""
    given = value.model_dump(exclude_none=True) if value is not None else {}
    return {name: context.resolve_value(v) for name, v in given.items()}


def _resolve_credentials(context: dg.ResolutionContext, value: BaseModel | None) -> dict[str, str]:
    """`{{ env.X }}` per credential → the variable's name "X"; anything else is refused, so a token is never
    written into defs.yaml nor rendered into the resource config the UI shows."""
    resolved: dict[str, str] = {}
    for name, template in (value.model_dump(exclude_none=True) if value is not None else {}).items():
        match = _ENV_TEMPLATE.match(str(template).strip())
        if not match:
            raise dg.DagsterInvalidDefinitionError(
                f"credentials.{name}: write the environment variable that holds it, as "
                f"'{{{{ env.NAME }}}}' (read when a run starts), not a literal value or another expression")
        resolved[name] = match.group(1) or match.group(2)
    return resolved


_MODELS: dict[type[CollectorComponent], type[BaseModel]] = {}


class CollectorScaffoldParams(BaseModel):
    """What `dg scaffold defs <component type> <folder>` asks for."""

    instance: str | None = Field(default=None, description="Instance name (default: the folder's name).")
    start_date: str | None = Field(default=None, description="First daily partition, YYYY-MM-DD.")


class CollectorScaffolder(dg.Scaffolder[CollectorScaffoldParams]):
    """Writes a defs.yaml that loads as is: the instance named after its folder, credentials as
    `{{ env.<INSTANCE>_<FIELD> }}` so the user only has to set those variables."""

    @classmethod
    def get_scaffold_params(cls) -> type[CollectorScaffoldParams]:
        return CollectorScaffoldParams

    def scaffold(self, request: dg.ScaffoldRequest[CollectorScaffoldParams]) -> None:
        params = request.params
        instance = params.instance or re.sub(r"\W", "_", Path(request.target_path).name)
        module, _, name = request.type_name.rpartition(".")
        component: type[CollectorComponent] = getattr(importlib.import_module(module), name)
        fields = component.resource_type.profile.credential_env
        attributes: dict[str, Any] = {
            "instance": instance,
            "credentials": {name: f"{{{{ env.{instance.upper()}_{name.upper()} }}}}" for name in fields},
        }
        if params.start_date:
            attributes["start_date"] = params.start_date
        scaffold_component(request, attributes)


class CollectorComponent(dg.Component, dg.Resolvable, dg.Model):
    """One collector instance; a vendor subclass names its resource and collector, and types `settings`
    and `credentials` with `settings_attributes` and `credentials_attributes` of its resource."""

    resource_type: ClassVar[type[VendorResource]]
    collector: ClassVar[Collector]

    instance: str = Field(description="Instance name: asset prefix, group, file prefix, lz/<instance>/landing.")
    config_file: str | None = Field(default=None, description="KADA collector config JSON for this instance.")
    credentials: Annotated[dict[str, str], dg.Resolver(_resolve_credentials, inject_before_resolve=False)] = Field(
        default_factory=dict, description="Credential name -> '{{ env.NAME }}' (read when a run starts, never rendered).")
    settings: Annotated[dict[str, Any], dg.Resolver(_resolve_settings, inject_before_resolve=False)] = Field(
        default_factory=dict, description="The resource's settings (base_url, host, mask, timeout, ...), each typed.")
    mapping: dict[str, dict[str, str]] | None = Field(
        default=None, description="{data source name: {host, database}} (contract section 5).")
    start_date: str | None = Field(default=None, description="First daily partition, YYYY-MM-DD.")
    auto_push: bool | None = Field(default=None, description="Push automatically; default: KADA_AUTO_PUSH.")
    credentials_env: dict[str, str] | None = Field(
        default=None, description="Not supported: write credentials: {<name>: '{{ env.NAME }}'}.")

    @field_validator("credentials_env")
    @classmethod
    def _one_spelling(cls, value: dict[str, str] | None) -> None:
        if value:
            example = ", ".join(f"{name}: '{{{{ env.{var} }}}}'" for name, var in value.items())
            raise ValueError(f"credentials_env is not supported; write credentials: {{{example}}}")
        return None

    @classmethod
    def model(cls) -> type[BaseModel]:
        """The YAML schema: Dagster's, with `settings` and `credentials` typed by the vendor's resource and
        without the whole-value template alternative Dagster adds (they are read key by key), so a misspelt
        or mistyped key is reported at its own line."""
        if cls not in _MODELS:
            base = super().model()
            fields: dict[str, Any] = {}
            for name, attributes in (("settings", settings_attributes), ("credentials", credentials_attributes)):
                model = attributes(cls.resource_type)
                fields[name] = (model, Field(default_factory=model, description=base.model_fields[name].description))
            _MODELS[cls] = create_model(base.__name__, __base__=base, **fields)
        return _MODELS[cls]

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        credentials: dict[str, Any] = {name: dg.EnvVar(var) for name, var in self.credentials.items()}
        resource = self.resource_type(instance=self.instance, config_file=self.config_file, mapping=self.mapping,
                                      **self.settings, **credentials)
        auto_push = auto_push_from_env() if self.auto_push is None else self.auto_push
        return collector_definitions(self.collector, resource, self.instance, self.start_date, auto_push)

    @classmethod
    def instance_definitions(cls, instance: str | None = None, resource: VendorResource | None = None,
                             start_date: str | None = None, auto_push: bool = True) -> dg.Definitions:
        """One instance's definitions from Python (tests, a hand-written location); the YAML path is
        `build_defs`. Without `instance`, the vendor's default instance."""
        instance = instance or cls.resource_type.profile.source_type
        return collector_definitions(cls.collector, resource or cls.resource_type(instance=instance), instance,
                                     start_date, auto_push)
