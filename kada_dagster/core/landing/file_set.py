"""`land_file_set`: the only way files reach K, all or nothing.

It withdraws the partition's old manifest, puts every CSV (each put atomic, verified), puts the manifest
last, and on any failure removes what it put, so the landing directory never holds a partial file set with
a manifest claiming it is complete.
"""

from __future__ import annotations

import logging

from kada_dagster.core.extract.writer import StagedFileSet, sha256_of
from kada_dagster.core.landing.interface import LandedFile, Landing, LandingError

log = logging.getLogger(__name__)


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
