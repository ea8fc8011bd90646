"""Releases: frozen, reproducible publications of the marts.

A release pins exactly which submission versions it used — every ledger row with a
``submission_id`` up to the release's ``max_submission_id`` (ids only grow, so a corrected file
submitted later always has a larger one). It is built in a warehouse of its own (raw rows of the
pinned versions only, then the same dbt project and the mart Soda gates), and stored as:

    <releases>/<release id>/shareable/   the published tables (suppressed), the report, manifest
                           /restricted/  every mart as built, pinned submissions, content hashes

Only ``shareable/`` leaves the partnership: it holds what the published warehouse holds
(``publishing/catalog.yml``'s tables, suppressed together) and the report suppressed against them.
``restricted/`` holds record-level rows and small cells, for ``rebuild`` and ``diff``. A release
made before the split has one folder, read as its restricted part.

``rebuild`` rebuilds a release from the live warehouse's raw history and compares every table's
content hash with the manifest; ``diff`` builds from the current submissions and lists what later
submissions would change, table by table and key by key.
"""
