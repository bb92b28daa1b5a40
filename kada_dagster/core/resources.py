"""Dagster resources shared by both sources: the vendor-resource base, intermediate storage, landing.

Credentials are never resource *config values* of their own: the UI shows resource config, so the
base resource carries only where a credential comes from (a KADA JSON path, an env var name, or an
`EnvVar` the user wrote in YAML) and resolves it at execution time.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, ClassVar

import dagster as dg
from pydantic import Field

from kada_dagster.core.collector import VendorClient
from kada_dagster.core.http import HttpClient, RetryPolicy, as_logger
from kada_dagster.core.rate_limit import make_rate_limiter
from kada_dagster.core.settings import CollectorSettings, SourceProfile, resolve_settings
from kada_dagster.core.storage import IntermediateStore


class VendorResource(dg.ConfigurableResource):
    """Settings common to every collector instance; `None` means 'from the KADA JSON or env'."""

    profile: ClassVar[SourceProfile]
    retry_policy: ClassVar[RetryPolicy] = RetryPolicy()
    """The vendor's retry policy as data; `max_retries` and `backoff_base_seconds` below tune it."""

    instance: str = Field(default="", description="Collector instance name (default: the source type).")
    config_file: str | None = Field(default=None, description="Path to the KADA collector config JSON.")
    base_url: str | None = Field(default=None, description="API location override.")
    host: str | None = Field(default=None, description="Host name of the source as onboarded in K.")
    mapping: dict[str, dict[str, str]] | None = Field(
        default=None, description="`mapping`: {data source name: {host, database}} (contract section 5).")
    mask: bool | None = None
    compress: bool | None = None
    timeout: float | None = None
    landing_path: str | None = None
    max_retries: int = Field(default=5, description="Retries on 429, 5xx and connection errors.")
    backoff_base_seconds: float = 0.5
    max_concurrency: int = Field(default=8, description="Requests in flight at once (the rate limit still applies).")
    rate_limit_requests: int = Field(default=100, description="Client-side limit: requests per period.")
    rate_limit_period_seconds: float = Field(default=60.0, description="Client-side limit: the period.")
    rate_limit_margin_seconds: float = Field(default=0.0, description="Extra seconds added to the period.")
    rate_limit_kind: str = Field(default="adaptive", description=(
        "How the vendor counts its limit: 'adaptive' (default: learns from at most one 429 a run whether it "
        "is a sliding window or a token bucket; the limit above must be the vendor's own), 'sliding' (never a "
        "429, slower against a bucket; also for a key shared with other tools) or 'token_bucket' (only where "
        "the vendor documents a bucket: 429s from a sliding window)."))

    def get_client(self, logger: Any | None = None, settings: CollectorSettings | None = None) -> VendorClient:
        """The vendor's typed client (its paging, records and retries), for one run."""
        raise NotImplementedError(f"{type(self).__name__} must return its vendor's client")

    def build_http(self, settings: CollectorSettings, base_url: str, *, credential_setting: str,
                   service_name: str, logger: Any = None, headers: dict[str, str] | None = None,
                   auth: tuple[str, str] | None = None) -> HttpClient:
        """The shared HTTP layer, configured from this resource's retry, pacing and timeout settings."""
        return HttpClient(
            base_url,
            auth=auth,
            headers=headers,
            timeout=settings.timeout,
            retry=dataclasses.replace(self.retry_policy, max_retries=self.max_retries,
                                      base_delay=self.backoff_base_seconds),
            rate_limiter=make_rate_limiter(self.rate_limit_kind, self.rate_limit_requests,
                                           self.rate_limit_period_seconds, self.rate_limit_margin_seconds),
            credential_setting=credential_setting,
            service_name=service_name,
            max_workers=self.max_concurrency,
            logger=as_logger(logger),
        )

    def settings(self) -> CollectorSettings:
        """The instance's typed settings: this resource's fields that are settings or credentials are the
        Dagster-configuration layer (later wins over the KADA JSON and the environment)."""
        names = self.profile.setting_names() | set(self.profile.credential_env)
        overrides = {name: getattr(self, name) for name in type(self).model_fields if name in names}
        return resolve_settings(
            self.profile,
            self.instance or self.profile.source_type,
            config_file=self.config_file,
            overrides=overrides,
        )


class IntermediateStorageResource(dg.ConfigurableResource):
    """Where raw responses and normalised tables are kept per partition for people to inspect."""

    base_path: str = Field(
        default_factory=lambda: os.environ.get("KADA_INTERMEDIATE_PATH", "./intermediate"),
        description="Directory for raw JSON Lines and parquet tables (KADA_INTERMEDIATE_PATH).",
    )

    def store(self) -> IntermediateStore:
        return IntermediateStore(self.base_path)
