"""Named extra instances from component YAML, landed under their own name and landing path."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.resources import IntermediateStorageResource, LandingResource
from kada_dagster_tests.ht_helpers import END
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator


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
        resource_config = str(defs.resources["hightouch_emea"])
        assert "emea-token-value" not in resource_config
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key="2026-11-22", instance=dg.DagsterInstance.ephemeral())
    sys.modules.pop("extra_defs_pkg", None)
    assert result.success
    landed = sorted(p.name for p in (tmp_path / "landing" / "lz" / "hightouch_emea" / "landing").iterdir())
    assert landed[0].startswith("hightouch_emea_") and len(landed) == 5
