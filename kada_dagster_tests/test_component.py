"""Named extra instances from component YAML, landed under their own name and landing path."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.landing import UrlLandingResource
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster_tests.ht_helpers import END
from kada_dagster_tests.service_helpers import REPO_ROOT
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator


def instance_resource(defs: dg.Definitions, instance: str) -> dict[str, object]:
    """An instance's API resource config as Dagster keeps it (the resource is bound to its own assets)."""
    raw = defs.resolve_assets_def(dg.AssetKey([instance, "raw"]))
    resource = raw.resource_defs[instance]
    assert resource.config_schema.default_provided
    return dict(resource.config_schema.default_value)


def test_yaml_instance_materialises_with_its_own_name_and_env_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator = HightouchSimulator(HightouchSimConfig(seed=21, end=END, days=2, token="emea-token-value"))
    package = tmp_path / "extra_defs_pkg"
    (package / "emea").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    with simulator.serve() as url:
        (package / "emea" / "defs.yaml").write_text(textwrap.dedent(f"""\
            type: kada_dagster.component.HightouchCollectorComponent
            attributes:
              instance: hightouch_emea
              credentials: {{api_token: "{{{{ env.HIGHTOUCH_EMEA_API_TOKEN }}}}"}}
              settings: {{base_url: "{url}", backoff_base_seconds: 0.01}}
              mapping: {{"Snowflake Prod": {{host: k-snowflake, database: PROD}}}}
              start_date: "2026-11-01"
            """))
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setenv("HIGHTOUCH_EMEA_API_TOKEN", "emea-token-value")
        module = importlib.import_module("extra_defs_pkg")
        defs = dg.Definitions.merge(
            dg.load_defs(module, project_root=tmp_path),
            dg.Definitions(resources={
                STORAGE_KEY: IntermediateStorageResource(base_path=str(tmp_path / "intermediate")),
                LANDING_KEY: UrlLandingResource(url=str(tmp_path / "landing")),
            }),
        )
        keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
        assert "hightouch_emea/landing" in keys and "hightouch/raw" not in keys
        resource_config = str(instance_resource(defs, "hightouch_emea"))
        assert "emea-token-value" not in resource_config
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key="2026-11-22", instance=dg.DagsterInstance.ephemeral())
    sys.modules.pop("extra_defs_pkg", None)
    assert result.success
    landed = sorted(p.name for p in (tmp_path / "landing" / "lz" / "hightouch_emea" / "landing").iterdir())
    assert landed[0].startswith("hightouch_emea_") and len(landed) == 5


def _load_yaml_instance(tmp_path: Path, yaml_text: str, package: str) -> dg.Definitions:
    """Loads one defs.yaml the way the code location does (dg.load_defs over a package of folders)."""
    root = tmp_path / package
    (root / "instance").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "instance" / "defs.yaml").write_text(yaml_text)
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(package)
        return dg.Definitions.merge(
            dg.load_defs(module, project_root=tmp_path),
            dg.Definitions(resources={
                STORAGE_KEY: IntermediateStorageResource(base_path=str(tmp_path / "intermediate")),
                LANDING_KEY: UrlLandingResource(url=str(tmp_path / "landing")),
            }),
        )
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(package, None)


def _messages(exc: BaseException | None) -> str:
    """The error and its causes: Dagster wraps a component's own error in a load-tree message."""
    parts = []
    while exc is not None:
        parts.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


def _scaffold(tmp_path: Path, component: str, *args: str) -> Path:
    """Runs `dg scaffold defs` in a copy of the project (its pyproject [tool.dg] and package)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(REPO_ROOT / "kada_dagster", project / "kada_dagster",
                    ignore=shutil.ignore_patterns("__pycache__"))
    dg_cli = Path(sys.executable).with_name("dg")
    result = subprocess.run([str(dg_cli), "scaffold", "defs", f"kada_dagster.component.{component}", *args],
                            cwd=project, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "kada_dagster" / "defs"


def test_dg_scaffold_defs_writes_an_instance_that_loads_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs_dir = _scaffold(tmp_path, "HightouchCollectorComponent", "hightouch_apac", "--start-date", "2026-11-01")
    text = (defs_dir / "hightouch_apac" / "defs.yaml").read_text()
    assert "type: kada_dagster.component.HightouchCollectorComponent" in text
    assert "{{ env.HIGHTOUCH_APAC_API_TOKEN }}" in text
    simulator = HightouchSimulator(HightouchSimConfig(seed=22, end=END, days=2, token="apac-token-value"))
    monkeypatch.setenv("HIGHTOUCH_APAC_API_TOKEN", "apac-token-value")
    with simulator.serve() as url:
        text += f'  settings: {{base_url: "{url}", backoff_base_seconds: 0.01}}\n'
        defs = _load_yaml_instance(tmp_path, text, "scaffolded_defs_pkg")
        assert "apac-token-value" not in str(instance_resource(defs, "hightouch_apac"))
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key="2026-11-22", instance=dg.DagsterInstance.ephemeral())
    assert result.success
    landed = sorted(p.name for p in (tmp_path / "landing" / "lz" / "hightouch_apac" / "landing").iterdir())
    assert len(landed) == 5 and all(name.startswith("hightouch_apac_") for name in landed)


def test_dg_scaffold_defs_for_hevo_names_both_credentials(tmp_path: Path) -> None:
    defs_dir = _scaffold(tmp_path, "HevoCollectorComponent", "hevo_eu")
    text = (defs_dir / "hevo_eu" / "defs.yaml").read_text()
    assert "{{ env.HEVO_EU_API_KEY }}" in text and "{{ env.HEVO_EU_API_SECRET }}" in text
    assert "instance: hevo_eu" in text


@pytest.mark.parametrize("template", ["{{ env.HT_TPL_TOKEN }}", "{{ env('HT_TPL_TOKEN') }}"])
def test_env_template_credentials_become_env_vars_read_at_run_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str
) -> None:
    """`{{ env.X }}` is not rendered at load (the UI would show the value): the resource holds EnvVar("X"),
    and the value set only after loading is the one the run uses."""
    monkeypatch.delenv("HT_TPL_TOKEN", raising=False)
    simulator = HightouchSimulator(HightouchSimConfig(seed=23, end=END, days=2, token="tpl-token-value"))
    with simulator.serve() as url:
        defs = _load_yaml_instance(tmp_path, textwrap.dedent(f"""\
            type: kada_dagster.component.HightouchCollectorComponent
            attributes:
              instance: hightouch_tpl
              credentials: {{api_token: "{template}"}}
              settings: {{base_url: "{url}", backoff_base_seconds: 0.01}}
              start_date: "2026-11-01"
            """), "template_defs_pkg")
        resource = instance_resource(defs, "hightouch_tpl")
        assert resource["api_token"] == {"env": "HT_TPL_TOKEN"}  # an EnvVar, read when a run starts
        monkeypatch.setenv("HT_TPL_TOKEN", "tpl-token-value")
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key="2026-11-22", instance=dg.DagsterInstance.ephemeral())
        assert "tpl-token-value" not in str(instance_resource(defs, "hightouch_tpl"))
    assert result.success


def test_literal_credential_in_yaml_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(Exception) as raised:
        _load_yaml_instance(tmp_path, textwrap.dedent("""\
            type: kada_dagster.component.HightouchCollectorComponent
            attributes:
              instance: hightouch_lit
              credentials: {api_token: "a-literal-token"}
            """), "literal_defs_pkg")
    assert "credentials.api_token: write the environment variable that holds it" in _messages(raised.value)


def test_credentials_env_is_refused_with_the_line_to_write(tmp_path: Path) -> None:
    with pytest.raises(Exception) as raised:
        _load_yaml_instance(tmp_path, textwrap.dedent("""\
            type: kada_dagster.component.HightouchCollectorComponent
            attributes:
              instance: hightouch_old
              credentials_env: {api_token: HT_OLD}
            """), "old_spelling_defs_pkg")
    assert "credentials_env is not supported; write credentials: {api_token: '{{ env.HT_OLD }}'}" in \
        _messages(raised.value)


def test_the_earlier_untyped_component_is_refused_naming_the_typed_one(tmp_path: Path) -> None:
    with pytest.raises(Exception) as raised:
        _load_yaml_instance(tmp_path, textwrap.dedent("""\
            type: kada_dagster.component.KadaCollectorComponent
            attributes:
              source: hevo
              instance: hevo_old
              settings: {region: eu}
            """), "untyped_defs_pkg")
    assert "write `type: kada_dagster.component.HevoCollectorComponent`, drop `source`" in _messages(raised.value)


def _check_defs(tmp_path: Path, folder: str, yaml_text: str) -> str:
    """`dg check defs` in a copy of the project with one more instance folder; its output."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(REPO_ROOT / "kada_dagster", project / "kada_dagster",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (project / "kada_dagster" / "defs" / folder).mkdir()
    (project / "kada_dagster" / "defs" / folder / "defs.yaml").write_text(yaml_text)
    dg_cli = Path(sys.executable).with_name("dg")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "NO_COLOR": "1"}
    result = subprocess.run([str(dg_cli), "check", "defs"], cwd=project, capture_output=True, text=True,
                            timeout=180, check=False, env=env)
    assert result.returncode != 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_dg_check_defs_names_each_misspelt_or_mistyped_setting_at_its_line(tmp_path: Path) -> None:
    output = _check_defs(tmp_path, "hevo_typo", textwrap.dedent("""\
        type: kada_dagster.component.HevoCollectorComponent
        attributes:
          instance: hevo_typo
          credentials:
            api_kye: "{{ env.HEVO_TYPO_API_KEY }}"
          settings:
            regoin: eu
            flavour: classic
            timeout: soon
        """))
    where = "kada_dagster/defs/hevo_typo/defs.yaml"
    assert f"{where}:5 - " in output and "('api_kye' was unexpected)" in output
    assert f"{where}:7 - " in output and "('regoin' was unexpected)" in output
    assert f"{where}:8 - " in output and "'classic' is not valid" in output
    assert f"{where}:9 - " in output and "'soon' is not valid" in output
