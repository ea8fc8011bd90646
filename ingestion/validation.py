"""Row-level validation of one submission against the core data set, set-based in DuckDB.

Input: a temp table of the submission in canonical form — every canonical column as text,
trimmed, NULL when empty (:func:`normalized`), plus ``_row_number`` (the row a person sees when
opening the file). Output: the rule
violations, one row per (row, column, rule), with the offending value. Rows without violations
load; rows with any go to quarantine with every reason. The rules are derived from
:mod:`ingestion.core_data_set` (types, required, code lists from the seeds, ranges, key) plus the
contract's cross-field rules, so nothing here retypes a code or a range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from ingestion import identifiers
from ingestion.core_data_set import DATA_SETS, Column, DataSet
from ingestion.readers import _exec, _literal
from ingestion.reference import code_list, declared_org_units

# A survey wave label is published (scores by wave), so only these shapes are kept — an
# allow-list, not a detector: a year, then a wave number, quarter, half or season.
WAVE_PATTERN = r"(?i)\d{4}(-([1-9]|q[1-4]|h[12]|spring|summer|fall|autumn|winter))?"
WAVE_RULE = (
    "format of a survey wave: the year, then a wave number, quarter, half or season "
    "(2024-1, 2024-Q2, 2024-H1, 2024-spring)"
)
# What an org unit that the member has not declared is loaded as.
UNDECLARED_LABEL = "other"
VALUE_KIND_FUNCTION = "npcs_value_kind"
# The rule a number breaks when its digits are an SSN or a phone number (nine or more digits:
# no count the core data set holds comes near 100 million).
NUMBER_IDENTIFIER_RULE = "looks like an SSN or phone number, not a number"


@dataclass(frozen=True)
class Rule:
    column: str
    rule: str  # short name a coordinator reads, e.g. "code list incident_type"
    condition: str  # SQL over the canonical text table: true when the row breaks the rule


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_literal(v) for v in values) + ")"


def normalized(name: str) -> str:
    """SQL giving a text column as the rules expect it: trimmed, NULL when empty. Applied once
    when a submission is staged, so no rule trims again (trimming is most of a rule's cost)."""
    return f"nullif(trim({_q(name)}), '') as {_q(name)}"


def typed(column: Column) -> str:
    """SQL giving the column's typed value (NULL when absent or not castable)."""
    c = _q(column.name)
    if column.type == "boolean":
        return f"(case lower({c}) when 'true' then true when 'false' then false end)"
    return f"try_cast({c} as {column.duckdb_type})"


def _column_rules(column: Column) -> list[Rule]:
    c = _q(column.name)
    present = f"{c} is not null"
    rules = []
    if column.required:
        rules.append(Rule(column.name, "required", f"not ({present})"))
    if column.duckdb_type != "VARCHAR":
        broken = f"{present} and {typed(column)} is null"
        if column.duckdb_type == "INTEGER":
            # DuckDB's cast rounds '2.5' to 3 and reads '1e2' or '0x10': only a whole number
            # written as one is an integer ('7.0', as spreadsheet and JSON tools write it, is).
            whole = f"regexp_full_match({c}, '[+-]?[0-9]+([.]0*)?')"
            broken = f"{present} and ({typed(column)} is null or not {whole})"
        rules.append(Rule(column.name, f"type {column.type}", broken))
    if column.type in ("integer", "year"):
        rules.append(
            Rule(
                column.name,
                NUMBER_IDENTIFIER_RULE,
                f"case when {present} and length({c}) >= 9 and regexp_full_match({c}, '[0-9]+') "
                f"then {VALUE_KIND_FUNCTION}({c}) is not null else false end",
            )
        )
    # Record ids ("id") have no rule on their content: they are replaced by keyed pseudonyms
    # when the file is staged (ingestion/pseudonyms.py), before any rule runs.
    if column.type == "wave":
        pattern = _literal(WAVE_PATTERN)
        rules.append(
            Rule(column.name, WAVE_RULE, f"{present} and not regexp_full_match({c}, {pattern})")
        )
    if column.code_list and column.type == "code":
        codes = _sql_list(code_list(column.code_list))
        rules.append(
            Rule(
                column.name,
                f"code list {column.code_list}",
                f"{present} and {c} not in {codes}",
            )
        )
    if column.code_list and column.type == "codes":
        codes = _sql_list(code_list(column.code_list))
        items = f"list_transform(string_split({c}, ';'), lambda x: trim(x))"
        rules.append(
            Rule(
                column.name,
                f"code list {column.code_list}",
                f"{present} and (len(list_filter({items}, lambda x: x not in {codes})) > 0"
                f" or (list_contains({items}, 'unknown') and len({items}) > 1))",
            )
        )
    if column.type == "quarter":
        rules.append(
            Rule(
                column.name,
                "format YYYY-Qn",
                f"{present} and not regexp_full_match({c}, '\\d{{4}}-Q[1-4]')",
            )
        )
    if column.min is not None or column.max is not None:
        bounds = []
        if column.min is not None:
            bounds.append(f"{typed(column)} < {column.min}")
        if column.max is not None:
            bounds.append(f"{typed(column)} > {column.max}")
        lo = "" if column.min is None else str(column.min)
        hi = "" if column.max is None else str(column.max)
        rules.append(Rule(column.name, f"range {lo}..{hi}", " or ".join(bounds)))
    return rules


def _cross_field_rules(ds: DataSet, today: date) -> list[Rule]:
    t = f"date '{today.isoformat()}'"
    if ds.name == "reviews":
        inc, done = typed(ds.column("incident_date")), typed(ds.column("review_completed_date"))
        return [
            Rule("incident_date", "incident after review completion", f"{inc} > {done}"),
            Rule("incident_date", "date in the future", f"{inc} > {t}"),
            Rule("review_completed_date", "date in the future", f"{done} > {t}"),
        ]
    if ds.name == "tasc_responses":
        return [
            Rule(
                "response_date", "date in the future", f"{typed(ds.column('response_date'))} > {t}"
            )
        ]
    if ds.name == "review_summary":
        done = typed(ds.column("reviews_completed"))
        with_theme = typed(ds.column("reviews_with_theme"))
        ios = typed(ds.column("ios_identified"))
        return [
            Rule("reviews_with_theme", "more than reviews_completed", f"{with_theme} > {done}"),
            Rule("reviews_with_theme", "more than ios_identified", f"{with_theme} > {ios}"),
        ]
    if ds.name == "outcomes":
        victims = typed(ds.column("victims"))
        return [
            Rule(
                "victims_with_recurrence",
                "more than victims",
                f"{typed(ds.column('victims_with_recurrence'))} > {victims}",
            ),
            Rule(
                "victims",
                "more than children_investigated",
                f"{victims} > {typed(ds.column('children_investigated'))}",
            ),
        ]
    if ds.name == "workforce":
        return []
    return []


def rules_for(data_set: str, today: date) -> list[Rule]:
    ds = DATA_SETS[data_set]
    rules = [r for c in ds.columns for r in _column_rules(c)]
    return rules + _cross_field_rules(ds, today)


def find_violations(con: duckdb.DuckDBPyConnection, data_set: str, table: str, today: date) -> None:
    """Create temp table ``_violations(_file, _row_number, column_name, rule, value)``.

    ``table`` holds canonical text columns plus ``_file`` (the submission file), ``_jurisdiction``
    and ``_row_number``. Besides the per-row rules: a key repeated within a file (every occurrence
    after the first is a violation), summary rows whose ``reviews_completed`` disagree within a
    period and incident type, and an improvement opportunity whose ``review_id`` is not a loaded
    review of the same jurisdiction.
    """
    ds = DATA_SETS[data_set]
    register_functions(con)
    rules = rules_for(data_set, today)
    # One scan for every per-row rule: each row gets the list of the rules it breaks; only the
    # rows that break any are joined back for the offending values.
    hits = ", ".join(
        f"case when coalesce(({r.condition}), false) then {i} end" for i, r in enumerate(rules)
    )
    _exec(
        con,
        f"""create or replace temp table _hits as
            select _file, _row_number, unnest(_h) as _rule
            from (select _file, _row_number,
                         list_filter([{hits}], lambda x: x is not null) as _h
                  from {table})
            where len(_h) > 0""",
    )
    catalogue = ", ".join(
        f"({i}, {_literal(r.column)}, {_literal(r.rule)})" for i, r in enumerate(rules)
    )
    value = " ".join(
        f"when {i} then cast(t.{_q(r.column)} as varchar)" for i, r in enumerate(rules)
    )
    parts = [
        f"""select h._file, h._row_number, r.column_name, r.rule,
                   case h._rule {value} end as value
            from _hits h
            join (values {catalogue}) r(_rule, column_name, rule) using (_rule)
            join {table} t on t._file = h._file and t._row_number = h._row_number"""
    ]
    # A key repeated within a file: every occurrence after the first. Repeated keys are found by
    # a grouping first, so only their rows are numbered.
    keys = ", ".join(f"{_q(k)} as _k{i}" for i, k in enumerate(ds.key))
    key_names = ", ".join(f"_k{i}" for i in range(len(ds.key)))
    key_present = " and ".join(f"{_q(k)} is not null" for k in ds.key)
    last = _q(ds.key[-1])
    parts.append(
        f"""select _file, _row_number, '{ds.key[-1]}' as column_name,
                   'duplicate key in file' as rule, _v as value
            from (select *, row_number() over (partition by _file, {key_names}
                                               order by _row_number) as _n
                  from (select _file, _row_number, {keys}, cast({last} as varchar) as _v
                        from {table} where {key_present}) k
                  semi join (select _file, {key_names}
                             from (select _file, {keys} from {table} where {key_present})
                             group by all having count(*) > 1) d
                  using (_file, {key_names}))
            where _n > 1"""
    )
    if data_set == "review_summary":
        parts.append(
            f"""select _file, _row_number, 'reviews_completed' as column_name,
                       'reviews_completed differs within period and incident type' as rule,
                       cast(reviews_completed as varchar) as value
                from (select *, count(distinct reviews_completed)
                          over (partition by _file, period, incident_type) as _k
                      from {table})
                where _k > 1"""
        )
    if data_set == "improvement_opportunities":
        has_reviews = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'reviews'"
        ).fetchone()[0]
        known = (
            "exists (select 1 from raw.reviews r where r.jurisdiction_id = t._jurisdiction "
            "and r.review_id = t.review_id)"
            if has_reviews
            else "false"
        )
        parts.append(
            f"""select _file, _row_number, 'review_id' as column_name,
                       'review not found in this jurisdiction' as rule, review_id as value
                from {table} as t
                where review_id is not null and not {known}"""
        )
    _exec(con, "create or replace temp table _violations as " + "\nunion all\n".join(parts))
    _exec(con, "drop table if exists _hits")


def register_function(
    con: duckdb.DuckDBPyConnection, name: str, function, arguments: int = 1
) -> None:
    """Register a Python ``function`` of ``arguments`` VARCHARs returning VARCHAR on ``con``
    as SQL function ``name``, once per connection (NULL arguments reach it as ``None``)."""
    exists = con.execute(
        "select count(*) from duckdb_functions() where function_name = ?", [name]
    ).fetchall()[0][0]
    if not exists:
        con.create_function(
            name,
            function,
            ["VARCHAR"] * arguments,
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Register the detector's checks the rules call on ``con``."""
    register_function(con, VALUE_KIND_FUNCTION, identifiers.value_kind)


def label_columns(data_set: str) -> list[str]:
    return [c.name for c in DATA_SETS[data_set].columns if c.type == "label"]


def replace_undeclared_labels(con: duckdb.DuckDBPyConnection, data_set: str, table: str) -> None:
    """Create temp table ``_notes(_file, _row_number, column_name, rule, value)``: every value
    of a label column (``org_unit``) that the row's jurisdiction has not declared
    (:func:`ingestion.reference.declared_org_units`), and set those values to ``other`` in
    ``table``. The rows still load; the notes go to quarantine with ``row_loaded`` true, so a
    free-text label — a unit named after its supervisor — never passes through as text."""
    if not label_columns(data_set):
        _exec(
            con,
            "create or replace temp table _notes (_file varchar, _row_number integer, "
            "column_name varchar, rule varchar, value varchar)",
        )
        return
    parts = []
    declared = sorted(declared_org_units())
    values = ", ".join(f"({_literal(j)}, {_literal(u)})" for j, u in declared) or "(null, null)"
    _exec(
        con,
        f"create or replace temp table _declared as select * from (values {values}) "
        "v(_jurisdiction, _label)",
    )
    for col in label_columns(data_set):
        c = _q(col)
        rule = (
            f"{col} not declared by the jurisdiction (loaded as '{UNDECLARED_LABEL}'); "
            "declare it in dbt_project/seeds/org_units.csv or map it in the jurisdiction's layout"
        )
        parts.append(
            f"""select _file, _row_number, '{col}' as column_name, {_literal(rule)} as rule,
                       {c} as value
                from {table} t
                where {c} is not null and {c} <> '{UNDECLARED_LABEL}'
                  and not exists (select 1 from _declared d
                                  where d._jurisdiction = t._jurisdiction and d._label = t.{c})"""
        )
    _exec(con, "create or replace temp table _notes as " + "\nunion all\n".join(parts))
    for col in label_columns(data_set):
        c = _q(col)
        _exec(
            con,
            f"""update {table} set {c} = '{UNDECLARED_LABEL}'
                where {c} is not null and {c} <> '{UNDECLARED_LABEL}'
                  and not exists (select 1 from _declared d
                                  where d._jurisdiction = {table}._jurisdiction
                                    and d._label = {table}.{c})""",
        )
    _exec(con, "drop table if exists _declared")


def expected(data_set: str, column: str, rule: str) -> str | None:
    """What the rule ``rule`` expected of ``column``, in a coordinator's words (for feedback
    reports and ``npcs validate``; everything in it is the contract's own vocabulary)."""
    ds = DATA_SETS.get(data_set)
    col = next((c for c in ds.columns if c.name == column), None) if ds else None
    if rule == "required":
        return "a value (this column is required)"
    if rule.startswith("code list ") and col is not None and col.code_list:
        codes = code_list(col.code_list)
        if col.type == "codes":
            listed = ", ".join(c for c in codes if c != "unknown")
            return f"one or more of {listed}, separated by ';' — or 'unknown' alone"
        return "one of " + ", ".join(codes)
    if rule.startswith("type ") and col is not None:
        return {
            "date": "a date written YYYY-MM-DD (or the date format your layout declares)",
            "integer": "a whole number",
            "year": "a federal fiscal year written YYYY",
            "boolean": "true or false (or the spellings your layout declares)",
        }.get(col.type)
    if rule.startswith("range ") and col is not None:
        if col.min is not None and col.max is not None:
            return f"a whole number from {col.min} to {col.max}"
        return f"a whole number of at least {col.min}" if col.min is not None else None
    if rule == "format YYYY-Qn":
        return "a quarter written YYYY-Qn, e.g. 2024-Q3"
    if rule == WAVE_RULE:
        return "e.g. 2024-1, 2024-Q2, 2024-H1 or 2024-spring"
    if rule == NUMBER_IDENTIFIER_RULE:
        return "a count (no count in the core data set comes near nine digits)"
    if rule == "duplicate key in file":
        return "each key once in a file (a later file replaces earlier rows with the same key)"
    if rule == "review not found in this jurisdiction":
        return "the review_id of one of this jurisdiction's reviews (send the reviews first)"
    if rule == "date in the future":
        return "a date on or before the day the file is loaded"
    return None
