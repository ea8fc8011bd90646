{# Calendar and fiscal period helpers. A quarter is "YYYY-Qn"; a federal fiscal year runs
   October to September and is named by the year it ends in (FY2025 = 2024-10-01..2025-09-30). #}

{% macro quarter_start_date(period) -%}
    make_date(
        cast(left({{ period }}, 4) as integer),
        (cast(right({{ period }}, 1) as integer) - 1) * 3 + 1,
        1
    )
{%- endmacro %}

{% macro quarter_end_date(period) -%}
    last_day(
        make_date(
            cast(left({{ period }}, 4) as integer),
            cast(right({{ period }}, 1) as integer) * 3,
            1
        )
    )
{%- endmacro %}

{% macro calendar_quarter(date_column) -%}
    (cast(year({{ date_column }}) as varchar) || '-Q' || cast(quarter({{ date_column }}) as varchar))
{%- endmacro %}

{% macro federal_fiscal_year(date_column) -%}
    cast(year({{ date_column }}) + case when month({{ date_column }}) >= 10 then 1 else 0 end as integer)
{%- endmacro %}
