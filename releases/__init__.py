"""Releases: frozen, reproducible publications of the marts.

A release pins exactly which submission versions it used — every ledger row with a
``submission_id`` up to the release's ``max_submission_id`` (ids only grow, so a corrected file
submitted later always has a larger one). It is built in a warehouse of its own (raw rows of the
pinned versions only, then the same dbt project and the mart Soda gates), and stored as:

    <releases>/<release id>/manifest.json       as_of, pinned submissions, code version, tables
                            tables/<schema>.<table>.parquet
                            report.html, headline.json

``rebuild`` rebuilds a release from the live warehouse's raw history and compares every table's
content hash with the manifest; ``diff`` builds from the current submissions and lists what later
submissions would change, table by table and key by key.
"""
