"""One landing interface for K's landing directory: a local folder, S3 or Azure Blob.

`land_file_set` is the only way files reach K: it withdraws the partition's old manifest, puts every
CSV (each put atomic, verified), puts the manifest last, and on any failure removes what it put, so
the landing directory never holds a partial file set with a manifest claiming it is complete.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from kada_dagster.core.extract.writer import StagedFileSet, sha256_of
from kada_dagster.core.storage import remove_stale_temps, temp_name

log = logging.getLogger(__name__)


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


class LocalLanding(Landing):
    """A directory on this machine: the embedded default and the KADA `output_path`."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()

    def describe(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents and path != self.root:
            raise LandingError(f"key {key!r} escapes the landing root {self.root}")
        return path

    def put(self, local_path: Path, key: str, sha256: str) -> None:
        target = self._path(key)
        tmp_name = ""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=temp_name("tmp", ""), suffix=".part", dir=target.parent)
            with os.fdopen(fd, "wb") as out, open(local_path, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            if sha256_of(Path(tmp_name)) != sha256:
                os.unlink(tmp_name)
                raise LandingError(f"local landing {target}: checksum mismatch after copy")
            os.replace(tmp_name, target)
        except OSError as exc:
            if tmp_name:  # a full disk or a failed rename: never leave the half-written copy behind
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
            raise LandingError(
                f"local landing: cannot write {target} ({exc.strerror}); check {self.setting} "
                f"and that the directory is writable"
            ) from None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise LandingError(f"local landing: cannot delete {self._path(key)} ({exc.strerror})") from None

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-"))

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def check_access(self, prefix: str) -> None:
        target = self._path(prefix) if prefix else self.root
        try:
            target.mkdir(parents=True, exist_ok=True)
            for stale in remove_stale_temps(target):  # a killed run's half-copied file; never a landed one
                log.warning("local landing: removed %s, left by a run that was killed", stale.name)
            with tempfile.NamedTemporaryFile(dir=target, prefix=temp_name("tmp", "probe-"), delete=True):
                pass
        except OSError as exc:
            raise LandingError(
                f"local landing: {target} is not writable ({exc.strerror}); check {self.setting}"
            ) from None


def land_file_set(landing: Landing, staged: StagedFileSet, landing_path: str) -> list[LandedFile]:
    """Puts a staged file set into the landing directory, manifest last, all or nothing.

    The partition's old manifest is withdrawn first, so from then until the new manifest lands the
    directory never claims a complete set. On any failure the partition's file set is removed (the
    manifest first if its put was tried: a store may commit a put before the connection breaks; then
    every CSV name, also those of an earlier set not yet overwritten), and the error says so; a re-run
    of the partition lands the whole set again.
    """
    prefix = landing_path.strip("/")
    manifest_key = f"{prefix}/{staged.manifest_name}"
    landing.delete(manifest_key)  # the old set is incomplete from here until the new manifest lands
    for written in staged.files:  # a set landed with the other `compress` setting must not linger
        other = written.name[:-3] if written.name.endswith(".gz") else f"{written.name}.gz"
        landing.delete(f"{prefix}/{other}")
    attempted: list[str] = []
    landed: list[LandedFile] = []
    try:
        for written in staged.files:
            key = f"{prefix}/{written.name}"
            attempted.append(key)
            landing.put(staged.directory / written.name, key, written.sha256)
            landed.append(LandedFile(key=key, bytes=written.bytes, sha256=written.sha256))
        manifest_path = staged.directory / staged.manifest_name
        digest = sha256_of(manifest_path)
        attempted.append(manifest_key)
        landing.put(manifest_path, manifest_key, digest)
        landed.append(LandedFile(key=manifest_key, bytes=manifest_path.stat().st_size, sha256=digest))
    except Exception as exc:
        # Remove the partition's whole set, not only what this call put: once the manifest is withdrawn,
        # files of an earlier complete set that were not overwritten yet are a partial set too.
        csv_keys = [f"{prefix}/{written.name}" for written in staged.files]
        rollback = ([manifest_key] if manifest_key in attempted else []) + list(reversed(csv_keys))
        leftovers: list[str] = []
        for key in rollback:
            if leftovers:  # the store stopped answering: do not wait out its retries once per key
                leftovers.append(key)
                continue
            try:
                landing.delete(key)
            except Exception as cleanup_error:  # keep the original failure; report the leftover
                leftovers.append(key)
                log.error("could not remove partially landed %s: %s", key, cleanup_error)
        if not isinstance(exc, LandingError):
            raise
        if not leftovers:
            outcome = "nothing of this partition's file set was left in the landing directory"
        elif manifest_key in leftovers:
            outcome = f"could not withdraw the manifest: delete {', '.join(leftovers)} before K reads them"
        else:
            outcome = f"no manifest; could not remove {', '.join(leftovers)}"
        raise LandingError(f"{exc} [{staged.manifest_name}: {len(landed)} of {len(staged.files) + 1} files "
                           f"had been put before the failure; {outcome}]") from None
    return landed
