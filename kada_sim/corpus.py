"""The lineage corpus as a workspace: each entry's SQL served as a Hightouch `raw_sql` model or a Hevo
(Standard) model, so the collectors' landed linkages can be scored against the hand labels.

Only what an API would show is read from an entry: its SQL, dialect, vendor, `api_columns` (served as the
column mappings of a sync on the model), `table_columns` (served as a Hevo pipeline's field mappings into
the model's destination) and `output_table`. The labels stay with the scorer.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kada_sim.hevo import HevoSimConfig, HevoSimulator
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator, _SyncRuntime

CORPUS_DIR = Path(__file__).resolve().parent.parent / "kada_dagster_tests" / "lineage_corpus"

# One data source per dialect; its configuration gives the defaults of the corpus README's table.
HIGHTOUCH_SOURCES: dict[str, tuple[int, str, dict[str, Any]]] = {
    "snowflake": (61, "Corpus Snowflake", {"account": "acmecorpus.ap-southeast-2", "database": "ANALYTICS",
                                           "schema": "PUBLIC", "warehouse": "CORPUS_WH"}),
    "bigquery": (62, "Corpus BigQuery", {"project": "acme-analytics", "dataset": "analytics"}),
    "postgres": (63, "Corpus Postgres", {"host": "corpus-pg.internal", "database": "app", "schema": "public"}),
    "redshift": (64, "Corpus Redshift", {"host": "corpus-rs.internal", "database": "dw", "schema": "public"}),
}
HEVO_DESTINATIONS: dict[str, tuple[int, str, str, dict[str, Any]]] = {
    "snowflake": (81, "SNOWFLAKE", "Corpus Snowflake", {"account_name": "acmecorpus", "region": "ap-southeast-2",
                                                        "db_name": "ANALYTICS", "schema_name": "PUBLIC"}),
    "bigquery": (82, "BIGQUERY", "Corpus BigQuery", {"project_id": "acme-analytics", "dataset_name": "analytics"}),
    "postgres": (83, "POSTGRES", "Corpus Postgres", {"db_host": "corpus-pg.internal", "db_name": "app",
                                                     "schema_name": "public"}),
    "redshift": (84, "REDSHIFT", "Corpus Redshift", {"db_host": "corpus-rs.internal", "db_name": "dw",
                                                     "schema_name": "public"}),
}
BASE_ID = 9000


@dataclass(frozen=True)
class CorpusModel:
    """What the API would show of one corpus entry."""

    index: int
    id: str
    dialect: str
    vendor: str
    sql: str
    api_columns: tuple[str, ...]
    table_columns: dict[str, tuple[str, ...]]
    output_table: str | None

    @property
    def model_id(self) -> int:
        return BASE_ID + self.index


def corpus_models(directory: Path = CORPUS_DIR) -> list[CorpusModel]:
    entries = [e for path in sorted(directory.glob("*.yaml")) for e in yaml.safe_load(path.read_text()) or []]
    return [CorpusModel(i, str(e["id"]), str(e["dialect"]), str(e.get("vendor", "hightouch")), str(e["sql"]),
                        tuple(str(c) for c in e.get("api_columns") or ()),
                        {str(k): tuple(str(c) for c in v) for k, v in (e.get("table_columns") or {}).items()},
                        e.get("output_table"))
            for i, e in enumerate(entries)]


class CorpusHightouchSimulator(HightouchSimulator):
    """A Hightouch workspace whose models are the corpus's Hightouch entries (no runs)."""

    def __init__(self, models: Sequence[CorpusModel], config: HightouchSimConfig | None = None) -> None:
        self.corpus = [m for m in models if m.vendor == "hightouch"]
        base = config or HightouchSimConfig()
        base.runs_per_sync_per_day, base.n_syncs = 0, max(1, len(self.corpus))
        super().__init__(base)

    def _build(self) -> None:
        created = self.history_start_ms - 30 * 86_400_000
        ws = self.config.workspace_id
        common = {"workspaceId": ws, "createdAt": created, "updatedAt": created}
        self._sources = [{"id": sid, "name": name, "slug": name.lower().replace(" ", "-"), "type": dialect,
                          "configuration": dict(config), **common}
                         for dialect, (sid, name, config) in HIGHTOUCH_SOURCES.items()]
        self._destinations = [{"id": 31, "name": "Salesforce", "slug": "salesforce", "type": "salesforce",
                               "configuration": {}, "syncs": [], **common}]
        self._models, self._syncs, self._runtime = [], [], {}
        self._model_columns, self._model_grain = {}, {}
        for entry in self.corpus:
            self._models.append({
                "id": entry.model_id, "name": entry.id, "slug": entry.id, "description": "", "primaryKey": None,
                "sourceId": HIGHTOUCH_SOURCES[entry.dialect][0], "queryType": "raw_sql", "tags": {},
                "isSchema": False, "syncs": [], "lastRunSize": None, "raw": {"sql": entry.sql}, **common})
            self._model_columns[entry.model_id], self._model_grain[entry.model_id] = list(entry.api_columns), "corpus"
            if entry.api_columns:
                self._add_sync(entry, common)
        self._finish_relations()

    def _add_sync(self, entry: CorpusModel, common: Mapping[str, Any]) -> None:
        sync_id = 70_000 + entry.index
        mappings = [{"from": c, "to": c.title().replace("_", ""), "type": "standard"} for c in entry.api_columns]
        self._syncs.append({
            "id": sync_id, "slug": f"{entry.id}-to-salesforce", "destinationId": 31, "modelId": entry.model_id,
            "configuration": {"object": "Contact", "mappings": mappings}, "schedule": None, "status": "pending",
            "disabled": False, "lastRunAt": None, "referencedColumns": list(entry.api_columns),
            "primaryKey": entry.api_columns[0], "externalSegment": {}, "tags": {}, **common})
        self._truth_syncs[sync_id] = ("Contact", sorted((m["from"], m["to"]) for m in mappings))
        self._runtime[sync_id] = _SyncRuntime(
            index=entry.index, id=sync_id, created_ms=int(common["createdAt"]), has_runs=False, rows_base=100,
            event=False, last_state=None, columns=list(entry.api_columns), pk=entry.api_columns[0],
            table="corpus", dest_name="Salesforce")


class CorpusHevoSimulator(HevoSimulator):
    """A Hevo (Standard) account whose models are the corpus's Hevo entries; a pipeline per destination
    loads the tables their `table_columns` name, with those columns as its field mappings."""

    def __init__(self, models: Sequence[CorpusModel], config: HevoSimConfig | None = None) -> None:
        self.corpus = [m for m in models if m.vendor == "hevo"]
        base = config or HevoSimConfig()
        base.flavour, base.n_workflows = "standard", 0
        super().__init__(base)

    def _build_standard(self, rng: random.Random) -> None:
        created = self.history_start_ms - 30 * 86_400_000
        self._destinations = [{"id": did, "name": name, "type": dtype, "status": "ACTIVE", "config": dict(config),
                               "created_ts": created}
                              for _dialect, (did, dtype, name, config) in HEVO_DESTINATIONS.items()]
        self._pipelines, self._objects, self._event_types, self._mappings = [], {}, {}, {}
        self._transformations, self._dest_tables, self._models, self._workflows = {}, {}, [], []
        tables: dict[str, dict[str, tuple[str, ...]]] = {}
        for entry in self.corpus:
            tables.setdefault(entry.dialect, {}).update(entry.table_columns)
        for dialect, loaded in sorted(tables.items()):
            self._add_pipeline(dialect, loaded, created)
        for entry in self.corpus:
            did, dtype, name, config = HEVO_DESTINATIONS[entry.dialect]
            self._models.append({
                "id": entry.model_id, "name": entry.id, "status": "ACTIVE", "source_query": entry.sql,
                "output_table": entry.output_table, "last_run_ts": None, "source_destination_id": did,
                "destination": {"id": did, "name": name, "type": dtype, "config": dict(config)},
                "schedule": {"type": "FREQUENCY", "frequency": 60}, "created_ts": created})

    def _add_pipeline(self, dialect: str, loaded: Mapping[str, Iterable[str]], created: int) -> None:
        did, dtype, name, config = HEVO_DESTINATIONS[dialect]
        pid = 500 + did
        self._pipelines.append({
            "id": pid, "status": "ACTIVE", "created_ts": created, "updated_ts": created,
            "source": {"name": f"corpus-source-{dialect}", "display_name": f"Corpus source {dialect}",
                       "type": "POSTGRES", "config": {"host": "corpus-source.internal", "database": "source",
                                                      "schema": "public"}},
            "destination": {"id": did, "name": name, "type": dtype, "config": dict(config)},
            "schedule": {"type": "FREQUENCY", "schedule": 60}, "auto_mapping": "ENABLED"})
        objects, event_types, mappings = [], [], {}
        for qualified, columns in sorted(loaded.items()):
            event = f"public.{qualified.split('.')[-1].lower()}"
            objects.append({"name": event, "status": "ACTIVE", "last_run_ts": None})
            event_types.append({"name": event, "mapping_status": "MAPPED"})
            mappings[event] = {"destination_table": qualified, "auto_mapping": "ENABLED", "mapping_status": "MAPPED",
                               "field_mappings": [{"source_field": c.lower(), "source_field_type": "text",
                                                   "destination_field": c, "destination_field_type": "VARCHAR",
                                                   "ignored": False, "incompatible": False} for c in columns]}
        self._objects[pid], self._event_types[pid], self._mappings[pid] = objects, event_types, mappings
        self._transformations[pid] = {"pipeline_id": pid, "enabled": False, "language": "PYTHON", "code": "",
                                      "updated_ts": created}
