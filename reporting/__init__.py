"""The partnership's published findings, computed by SQL from the marts and rendered to HTML.

Never imports dagster: the report asset in ``orchestration`` is a thin wrapper around
:func:`reporting.build.build_report`.
"""
