"""Settings: the KADA config JSON unchanged, environment overrides, clear errors naming the setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kada_dagster.core.settings import SettingsError, resolve_settings
from kada_dagster.hightouch.resources import HIGHTOUCH_PROFILE, HightouchResource

KADA_JSON = {
    "api_token": "json-token-123",
    "output_path": "/tmp/kada-output",
    "mask": True,
    "timeout": 20,
    "mapping": {"myDSN": {"host": "myhost", "database": "mydatabase"}},
    "compress": True,
}


def write_json(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "kada_hightouch_extractor_config.json"
    path.write_text(json.dumps(data))
    return path


def test_kada_json_is_read_unchanged(tmp_path: Path) -> None:
    path = write_json(tmp_path, KADA_JSON)
    settings = resolve_settings(HIGHTOUCH_PROFILE, env={"KADA_HIGHTOUCH_CONFIG": str(path)})
    assert settings.credential("api_token") == "json-token-123"
    assert settings.mapping == {"myDSN": {"host": "myhost", "database": "mydatabase"}}
    assert (settings.mask, settings.compress, settings.timeout) == (True, True, 20.0)
    assert settings.landing_url == "/tmp/kada-output" and settings.landing_path == "lz/hightouch/landing"
    assert settings.host == "app.hightouch.com" and settings.start_date == "2025-01-01"
    assert "json-token-123" not in repr(settings) and "json-token-123" not in json.dumps(settings.public_summary())


def test_environment_overrides_the_json(tmp_path: Path) -> None:
    path = write_json(tmp_path, KADA_JSON)
    env = {"KADA_HIGHTOUCH_CONFIG": str(path), "HIGHTOUCH_API_TOKEN": "env-token", "HIGHTOUCH_API_BASE_URL": "http://x/api/v1",
           "KADA_LANDING_URL": "s3://bucket/prefix", "KADA_START_DATE": "2026-01-15"}
    settings = resolve_settings(HIGHTOUCH_PROFILE, env=env)
    assert settings.credential("api_token") == "env-token" and settings.base_url == "http://x/api/v1"
    assert settings.landing_url == "s3://bucket/prefix" and settings.start_date == "2026-01-15"
    assert settings.credential_sources["api_token"] == "HIGHTOUCH_API_TOKEN"


def test_named_instances_ignore_default_env_vars(tmp_path: Path) -> None:
    settings = resolve_settings(HIGHTOUCH_PROFILE, "hightouch_emea", env={"HIGHTOUCH_API_TOKEN": "default-only"})
    assert not settings.credentials["api_token"]
    with pytest.raises(SettingsError, match="hightouch_emea.*api_token"):
        settings.credential("api_token")
    assert settings.landing_path == "lz/hightouch_emea/landing"


@pytest.mark.parametrize(
    ("data", "message"),
    [({"mask": "sometimes"}, "'mask' must be true or false"), ({"timeout": "soon"}, "'timeout' must be a number"),
     ({"timeout": -1}, "'timeout' must be positive"), ({"mapping": [1]}, "'mapping' must be an object")],
)
def test_bad_values_name_the_setting(tmp_path: Path, data: dict, message: str) -> None:
    path = write_json(tmp_path, {**KADA_JSON, **data})
    with pytest.raises(SettingsError, match=message):
        resolve_settings(HIGHTOUCH_PROFILE, env={"KADA_HIGHTOUCH_CONFIG": str(path)})


def test_unreadable_or_invalid_json_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="KADA_HIGHTOUCH_CONFIG=.*cannot read"):
        resolve_settings(HIGHTOUCH_PROFILE, env={"KADA_HIGHTOUCH_CONFIG": str(tmp_path / "missing.json")})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SettingsError, match="KADA_HIGHTOUCH_CONFIG=.*not valid JSON"):
        resolve_settings(HIGHTOUCH_PROFILE, env={"KADA_HIGHTOUCH_CONFIG": str(bad)})


def test_resource_config_never_holds_the_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KADA_HIGHTOUCH_CONFIG", str(write_json(tmp_path, KADA_JSON)))
    monkeypatch.delenv("HIGHTOUCH_API_TOKEN", raising=False)
    resource = HightouchResource()
    assert "json-token-123" not in resource.model_dump_json()
    assert resource.settings().credential("api_token") == "json-token-123"
