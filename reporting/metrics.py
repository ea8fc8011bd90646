"""The partnership's metrics, answered by MetricFlow from the dbt semantic layer.

The definitions live once, in ``dbt_project/models/semantic/_semantic__models.yml`` (semantic
models and metrics). The report, analysts (``mf query`` or this module) and BI tools ask for a
metric by name; MetricFlow writes the SQL. Nothing here restates a definition.

MetricFlow reads the semantic manifest that ``dbt parse`` writes (``target/
semantic_manifest.json``) and runs its SQL on an open DuckDB connection through
:class:`DuckDbSqlClient`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import duckdb

from npcs.settings import DBT_PROJECT_DIR

DEFAULT_SEMANTIC_MANIFEST = DBT_PROJECT_DIR / "target" / "semantic_manifest.json"


class DuckDbSqlClient:
    """MetricFlow's ``SqlClient`` protocol over one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._con = con
        self._engine = SqlEngine.DUCKDB
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self):
        return self._engine

    @property
    def sql_plan_renderer(self):
        return self._renderer

    def query(self, stmt: str, sql_bind_parameter_set=None):
        from metricflow.data_table.mf_table import MetricFlowDataTable

        params = dict(sql_bind_parameter_set.param_dict) if sql_bind_parameter_set else {}
        cur = self._con.execute(stmt, params or None)
        names = [d[0] for d in cur.description]
        return MetricFlowDataTable.create_from_rows(names, cur.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set=None) -> None:
        params = dict(sql_bind_parameter_set.param_dict) if sql_bind_parameter_set else {}
        self._con.execute(stmt, params or None).fetchall()

    def dry_run(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._con.execute(f"explain {stmt}").fetchall()

    def close(self) -> None:  # the caller owns the connection
        return None

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


@lru_cache(maxsize=4)
def _semantic_manifest(path: str, mtime_ns: int, database: str):
    """The parsed semantic manifest, its tables addressed in ``database``.

    dbt writes each table's catalog (the warehouse file's name when it parsed) into the
    manifest; the same definitions are read against other warehouse files (a release build, a
    test's copy), so the catalog is the connection's own."""
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )

    raw = json.loads(Path(path).read_text())
    for model in raw.get("semantic_models", []):
        rel = model["node_relation"]
        rel["database"] = database
        rel["relation_name"] = f'"{database}"."{rel["schema_name"]}"."{rel["alias"]}"'
    return parse_manifest_from_dbt_generated_manifest(json.dumps(raw))


def engine(con: duckdb.DuckDBPyConnection, semantic_manifest: Path | None = None):
    """A MetricFlow engine over ``con`` for the project's semantic manifest."""
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    path = Path(semantic_manifest or DEFAULT_SEMANTIC_MANIFEST)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: run `dbt parse` (npcs refresh does) to write the semantic "
            "manifest"
        )
    (database,) = con.execute("select current_database()").fetchone()
    manifest = _semantic_manifest(str(path), path.stat().st_mtime_ns, database)
    return MetricFlowEngine(
        semantic_manifest_lookup=SemanticManifestLookup(manifest),
        sql_client=DuckDbSqlClient(con),
    )


def query(
    con: duckdb.DuckDBPyConnection,
    metrics: list[str],
    where: list[str] | None = None,
    group_by: list[str] | None = None,
    semantic_manifest: Path | None = None,
    mf=None,
) -> list[dict]:
    """Rows of the metrics (and group-by columns) MetricFlow computes (``mf``: an engine from
    :func:`engine` to reuse; building one reads the whole semantic manifest)."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    result = (mf or engine(con, semantic_manifest)).query(
        MetricFlowQueryRequest.create(
            metric_names=metrics, group_by_names=group_by or [], where_constraints=where or []
        )
    )
    table = result.result_df
    names = list(table.column_names)
    return [dict(zip(names, row)) for row in table.rows]


def _until(day: date) -> str:
    return f"{{{{ TimeDimension('metric_time', 'day') }}}} <= '{day.isoformat()}'"


def _after(day: date) -> str:
    return f"{{{{ TimeDimension('metric_time', 'day') }}}} > '{day.isoformat()}'"


HEADLINE_METRICS = (
    "reviews_completed",
    "improvement_opportunities",
    "share_reviews_with_teamwork_coordination",
    "share_reviews_with_economic_support",
    "survey_responses",
    "survey_jurisdictions",
    "member_jurisdictions",
)


def headline(
    con: duckdb.DuckDBPyConnection, as_of: date, semantic_manifest: Path | None = None
) -> dict:
    """The report's headline figures as of a date, each a metric of the semantic layer."""
    mf = engine(con, semantic_manifest)
    (values,) = query(con, list(HEADLINE_METRICS), [_until(as_of)], mf=mf)
    (joined,) = query(
        con, ["jurisdictions_joined"], [_until(as_of), _after(as_of - timedelta(days=365))], mf=mf
    )

    def pct(share) -> float:
        return round(100.0 * float(share), 1) if share is not None else 0.0

    return {
        "as_of": as_of.isoformat(),
        "reviews_completed": int(values["reviews_completed"] or 0),
        "improvement_opportunities": int(values["improvement_opportunities"] or 0),
        "pct_reviews_with_teamwork_coordination": pct(
            values["share_reviews_with_teamwork_coordination"]
        ),
        "pct_reviews_with_economic_support": pct(values["share_reviews_with_economic_support"]),
        "survey_responses": int(values["survey_responses"] or 0),
        "survey_jurisdictions": int(values["survey_jurisdictions"] or 0),
        "member_jurisdictions": int(values["member_jurisdictions"] or 0),
        "jurisdictions_joined_in_prior_year": int(joined["jurisdictions_joined"] or 0),
    }
