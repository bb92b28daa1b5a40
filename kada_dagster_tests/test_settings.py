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
    with pytest.raises(SettingsError, match="hightouch_emea.*api_token") as caught:
        settings.credential("api_token")
    # every place a named instance's token can be set, in one sentence, and the next step
    assert "'api_token' in the hightouch_emea resource configuration" in str(caught.value)
    assert "credentials: {api_token: '{{ env.<VAR> }}'} in kada_dagster/defs/hightouch_emea/defs.yaml" in str(caught.value)
    assert str(caught.value).endswith("then materialise the partition again.")
    assert settings.landing_path == "lz/hightouch_emea/landing"


def test_a_missing_default_credential_names_the_environment_and_the_kada_json(tmp_path: Path) -> None:
    settings = resolve_settings(HIGHTOUCH_PROFILE, env={})
    with pytest.raises(SettingsError) as caught:
        settings.check_credentials()
    message = str(caught.value)
    assert message.startswith("The hightouch api_token of instance 'hightouch' is not set: set the environment "
                              "variable HIGHTOUCH_API_TOKEN, or 'api_token' in the KADA config JSON named by "
                              "KADA_HIGHTOUCH_CONFIG")
    assert "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize(
    ("data", "message"),
    [({"mask": "sometimes"}, r"setting 'mask' \('mask' in KADA_HIGHTOUCH_CONFIG=.*\) must be true or false, "
                             r"got 'sometimes'"),
     ({"timeout": "soon"}, r"setting 'timeout' \('timeout' in KADA_HIGHTOUCH_CONFIG=.*\) must be a positive number"),
     ({"timeout": -1}, r"setting 'timeout' .* must be a positive number of seconds, got -1"),
     ({"mapping": [1]}, r"setting 'mapping' .* must be an object of \{name: \{host, database\}\}"),
     ({"mapping": {"DSN": 3}}, r"setting 'mapping' .* must be an object"),
     ({"start_date": "last year"}, r"setting 'start_date' .* must be a date YYYY-MM-DD")],
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


def test_keys_the_collector_does_not_read_are_named_not_kept(tmp_path: Path) -> None:
    """A KADA JSON shared between collectors may carry another's keys: listed by name in the UI, no value."""
    path = write_json(tmp_path, {**KADA_JSON, "region": "eu", "client_secret": "not-ours-42"})
    settings = resolve_settings(HIGHTOUCH_PROFILE, env={"KADA_HIGHTOUCH_CONFIG": str(path)})
    assert settings.ignored_keys == ("client_secret", "region")
    summary = json.dumps(settings.public_summary())
    assert '"ignored_keys": ["client_secret", "region"]' in summary and "not-ours-42" not in summary


def test_hevo_settings_are_typed_region_and_flavour_included(tmp_path: Path) -> None:
    from kada_dagster.hevo.resources import HEVO_PROFILE, HevoSettings

    settings = resolve_settings(HEVO_PROFILE, env={"HEVO_REGION": " EU ", "HEVO_API_FLAVOUR": "Edge"})
    assert isinstance(settings, HevoSettings) and (settings.region, settings.flavour) == ("eu", "edge")
    with pytest.raises(SettingsError, match=r"setting 'flavour' \(HEVO_API_FLAVOUR\) must be one of 'standard' or "
                                            r"'edge', got 'classic'"):
        resolve_settings(HEVO_PROFILE, env={"HEVO_API_FLAVOUR": "classic"})
