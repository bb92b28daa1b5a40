"""OpenLineage events for every sync, pipeline, model and run, from the K extract tables.

    config.py    where the client's configuration comes from (openlineage.yml, OPENLINEAGE__*, OPENLINEAGE_URL)
    naming.py    dataset names by OpenLineage's naming conventions, and ours for SaaS and own objects
    vendor.py    the hooks a vendor overrides (namespace, job types)
    lineage.py   the partition's lineage per job (pure)
    events.py    the partition's job and run events (pure)
    emitter.py   reads the tables, sends the events through the client, fails naming the setting

The package imports nothing at import time, so a source can name its hooks without loading the client.
"""
