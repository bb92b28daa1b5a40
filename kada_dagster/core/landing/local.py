"""A directory on this machine as K's landing directory (the embedded default, the KADA `output_path`)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from kada_dagster.core.extract.writer import sha256_of
from kada_dagster.core.landing.interface import Landing, LandingError
from kada_dagster.core.storage import remove_stale_temps, temp_name

log = logging.getLogger(__name__)


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
