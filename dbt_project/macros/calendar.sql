{# Federal fiscal periods (the year runs October to September and is named by the year it ends
   in: FY2024 = 2023-10-01..2024-09-30). federal_fiscal_year() is in periods.sql. #}

{# Quarter of the federal fiscal year, 1-4: October-December is Q1, July-September Q4. #}
{% macro federal_fiscal_quarter(date_column) -%}
    cast((month({{ date_column }}) + 2) % 12 // 3 + 1 as integer)
{%- endmacro %}

{# First day of federal fiscal year fiscal_year (an integer expression). #}
{% macro federal_fiscal_year_start_date(fiscal_year) -%}
    make_date(cast({{ fiscal_year }} as integer) - 1, 10, 1)
{%- endmacro %}

{# Last day of federal fiscal year fiscal_year (an integer expression). #}
{% macro federal_fiscal_year_end_date(fiscal_year) -%}
    make_date(cast({{ fiscal_year }} as integer), 9, 30)
{%- endmacro %}

{# The open end of an effective-dated row: valid_to of the period still in force, so readers can
   always write `valid_from <= d and d < valid_to` (no null handling, no dependence on today). #}
{% macro far_future_date() -%}
    cast('9999-12-31' as date)
{%- endmacro %}
