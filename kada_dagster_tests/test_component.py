"""Named extra instances from component YAML, landed under their own name and landing path."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.resources import IntermediateStorageResource, LandingResource
from kada_dagster_tests.ht_helpers import END
from kada_dagster_tests.service_helpers import REPO_ROOT
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator


def _resource(defs: dg.Definitions, name: str) -> Any:
    assert defs.resources is not None
    return defs.resources[name]


def test_yaml_instance_materialises_with_its_own_name_and_env_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator = HightouchSimulator(HightouchSimConfig(seed=21, end=END, days=2, token="emea-token-value"))
    package = tmp_path / "extra_defs_pkg"
    (package / "emea").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    with simulator.serve() as url:
        (package / "emea" / "defs.yaml").write_text(textwrap.dedent(f"""\
            type: kada_dagster.component.KadaCollectorComponent
            attributes:
              source: hightouch
              instance: hightouch_emea
              credentials_env: {{api_token: HIGHTOUCH_EMEA_API_TOKEN}}
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
                LANDING_KEY: LandingResource(url=str(tmp_path / "landing")),
            }),
        )
        keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
        assert "hightouch_emea/landing" in keys and "hightouch/raw" not in keys
        resource_config = str(_resource(defs, "hightouch_emea"))
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
                LANDING_KEY: LandingResource(url=str(tmp_path / "landing")),
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


def _scaffold(tmp_path: Path, *args: str) -> Path:
    """Runs `dg scaffold defs` in a copy of the project (its pyproject [tool.dg] and package)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(REPO_ROOT / "kada_dagster", project / "kada_dagster",
                    ignore=shutil.ignore_patterns("__pycache__"))
    dg_cli = Path(sys.executable).with_name("dg")
    result = subprocess.run([str(dg_cli), "scaffold", "defs", "kada_dagster.component.KadaCollectorComponent",
                             *args], cwd=project, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "kada_dagster" / "defs"


def test_dg_scaffold_defs_writes_an_instance_that_loads_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs_dir = _scaffold(tmp_path, "hightouch_apac", "--source", "hightouch", "--start-date", "2026-11-01")
    text = (defs_dir / "hightouch_apac" / "defs.yaml").read_text()
    assert "type: kada_dagster.component.KadaCollectorComponent" in text
    assert "{{ env.HIGHTOUCH_APAC_API_TOKEN }}" in text
    simulator = HightouchSimulator(HightouchSimConfig(seed=22, end=END, days=2, token="apac-token-value"))
    monkeypatch.setenv("HIGHTOUCH_APAC_API_TOKEN", "apac-token-value")
    with simulator.serve() as url:
        text += f'  settings: {{base_url: "{url}", backoff_base_seconds: 0.01}}\n'
        defs = _load_yaml_instance(tmp_path, text, "scaffolded_defs_pkg")
        assert "apac-token-value" not in str(_resource(defs, "hightouch_apac"))
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key="2026-11-22", instance=dg.DagsterInstance.ephemeral())
    assert result.success
    landed = sorted(p.name for p in (tmp_path / "landing" / "lz" / "hightouch_apac" / "landing").iterdir())
    assert len(landed) == 5 and all(name.startswith("hightouch_apac_") for name in landed)


def test_dg_scaffold_defs_for_hevo_names_both_credentials(tmp_path: Path) -> None:
    defs_dir = _scaffold(tmp_path, "hevo_eu", "--source", "hevo")
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
            type: kada_dagster.component.KadaCollectorComponent
            attributes:
              source: hightouch
              instance: hightouch_tpl
              credentials: {{api_token: "{template}"}}
              settings: {{base_url: "{url}", backoff_base_seconds: 0.01}}
              start_date: "2026-11-01"
            """), "template_defs_pkg")
        resource = _resource(defs, "hightouch_tpl")
        assert isinstance(resource.api_token, dg.EnvVar) and resource.api_token.env_var_name == "HT_TPL_TOKEN"
        monkeypatch.setenv("HT_TPL_TOKEN", "tpl-token-value")
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key="2026-11-22", instance=dg.DagsterInstance.ephemeral())
        assert "tpl-token-value" not in str(_resource(defs, "hightouch_tpl"))
    assert result.success


def test_literal_credential_in_yaml_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(Exception) as raised:
        _load_yaml_instance(tmp_path, textwrap.dedent("""\
            type: kada_dagster.component.KadaCollectorComponent
            attributes:
              source: hightouch
              instance: hightouch_lit
              credentials: {api_token: "a-literal-token"}
            """), "literal_defs_pkg")
    assert "credentials.api_token: write the environment variable that holds it" in _messages(raised.value)


def test_same_credential_in_credentials_env_and_credentials_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception) as raised:
        _load_yaml_instance(tmp_path, textwrap.dedent("""\
            type: kada_dagster.component.KadaCollectorComponent
            attributes:
              source: hightouch
              instance: hightouch_both
              credentials_env: {api_token: HT_BOTH}
              credentials: {api_token: "{{ env.HT_BOTH }}"}
            """), "both_defs_pkg")
    assert "hightouch_both: ['api_token'] set in both credentials_env and credentials" in _messages(raised.value)
