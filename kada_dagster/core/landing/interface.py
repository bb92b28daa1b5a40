"""The landing interface: what a store of K's landing directory must do (local, S3, Azure Blob)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from pydantic import Field


class LandingError(RuntimeError):
    """A put or delete failed; the message names the store, the path and the setting to fix."""


@dataclass(frozen=True)
class LandedFile:
    key: str
    bytes: int
    sha256: str


class Landing(ABC):
    """A place files are put by key (a `/`-separated path below the landing root)."""

    setting = "KADA_LANDING_URL"

    @abstractmethod
    def describe(self) -> str:
        """Where files go, safe to show (no credentials)."""

    @abstractmethod
    def put(self, local_path: Path, key: str, sha256: str) -> None:
        """Atomically stores the file at `key`; afterwards a reader sees all of it or none of it."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Removes `key` if it exists."""

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys below `prefix`."""

    @abstractmethod
    def read(self, key: str) -> bytes:
        """The stored bytes of `key` (used to verify and by tests)."""

    def check_access(self, prefix: str) -> None:
        """Fails early, before any extraction, when the store cannot be reached or written."""
        self.list(prefix)

    def url_for(self, key: str) -> str:
        return f"{self.describe().rstrip('/')}/{key}"


class ObjectStoreLanding(Landing):
    """A bucket or container and a key prefix (S3, Azure Blob): how keys are prefixed, how any failure of
    the store's SDK becomes the store's own clear `LandingError`, and how a listing is read back."""

    prefix: str

    def _key(self, key: str) -> str:
        key = key.strip("/")
        return f"{self.prefix}/{key}" if self.prefix else key

    @abstractmethod
    def _fail(self, action: str, key: str, exc: Exception) -> LandingError:
        """The error that names the store, the path and the setting to fix."""

    @contextmanager
    def _failing_as(self, action: str, key: str) -> Iterator[None]:
        """Inside: any exception but a LandingError is raised as `_fail(action, key, exc)`, without the SDK's
        traceback (its repr can hold a signed URL)."""
        try:
            yield
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail(action, key, exc) from None

    @abstractmethod
    def _names_below(self, start: str) -> Iterable[str]:
        """Every stored name that starts with `start` (all names when it is empty)."""

    def list(self, prefix: str) -> list[str]:
        full = self._key(prefix) if prefix.strip("/") else self.prefix
        with self._failing_as("list", prefix):
            names = list(self._names_below(full + "/" if full else ""))
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(name[strip:] for name in names)


class LandingResource(dg.ConfigurableResource):
    """The deployment's landing storage as a Dagster resource: each store's resource says how it reaches it."""

    url: str | None = Field(default=None, description="Overrides KADA_LANDING_URL for this deployment.")

    def get_landing(self, settings_url: str) -> Landing:
        """The store to land in; `settings_url` is the instance's (KADA_LANDING_URL or `output_path`)."""
        raise NotImplementedError
