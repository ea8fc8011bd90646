-- The IO narrative is restricted: only restricted.io_narratives (identifier patterns redacted)
-- may hold it; no other table or view, raw included, may have a narrative column.
{{ config(meta={'dagster': {'ref': {'name': 'fct_improvement_opportunities'}}}) }}
-- depends_on: {{ ref('stg_raw__improvement_opportunities') }}
-- depends_on: {{ ref('int_improvement_opportunities_joined') }}
-- depends_on: {{ ref('fct_improvement_opportunities') }}
select
    table_schema,
    table_name,
    column_name
from information_schema.columns
where
    table_catalog = current_database()
    and table_schema <> 'restricted'
    and lower(column_name) like '%narrative%'
