{# Split a ';'-separated list of codes into a sorted list of distinct, trimmed codes. #}
{% macro split_codes(column) -%}
    list_sort(list_distinct(string_split(regexp_replace(trim({{ column }}), '\s*;\s*', ';', 'g'), ';')))
{%- endmacro %}

{#
    The single reporting race/ethnicity group: the one definition of the hierarchy, used by every
    model that turns a child's list of race/ethnicity codes into one group (reviews.fct_reviews,
    common.dim_race_ethnicity_combinations) and by common.dim_race_ethnicity (reporting_priority).

    Hierarchy: any priority code -> that code (the first of var race_ethnicity_priority_codes
    that the child has wins); else exactly one known race -> that race; several known races ->
    two_or_more; no known code (only unknown, or nothing) -> unknown. "unknown" next to known
    codes is ignored.

    To change it, set var race_ethnicity_priority_codes (dbt_project.yml, or --vars on one run),
    an ordered list of race_ethnicity codes: ["hispanic_latino"] (the default) is the federal
    "Hispanic of any race" rule; ["american_indian_alaska_native", "hispanic_latino"] puts
    American Indian or Alaska Native first; [] reports Hispanic like any other code (with another
    code -> two_or_more). A data test checks that every priority code is a race_ethnicity code.
#}
{% macro reporting_race_ethnicity_group(codes_column) -%}
    {%- set known = "list_filter(" ~ codes_column ~ ", lambda c: c <> 'unknown')" -%}
    case
        {%- for code in var('race_ethnicity_priority_codes') %}
        when list_contains({{ codes_column }}, '{{ code }}') then '{{ code }}'
        {%- endfor %}
        when coalesce(len({{ known }}), 0) = 0 then 'unknown'
        when len({{ known }}) = 1 then {{ known }}[1]
        else 'two_or_more'
    end
{%- endmacro %}

{# Rank of a race/ethnicity code in the reporting hierarchy (1 = first priority code); null
   for a code that is not a priority code. #}
{% macro race_ethnicity_priority_rank(code_column) -%}
    {%- set codes = var('race_ethnicity_priority_codes') -%}
    {%- if codes | length == 0 -%}
        cast(null as integer)
    {%- else -%}
    case {{ code_column }}
        {%- for code in codes %}
        when '{{ code }}' then {{ loop.index }}
        {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}

{#
    The mean of a scale's items, ignoring unanswered items; null when fewer than min_items of the
    items are answered (default: half of the items, rounded up). reversed: items scored as
    (reverse_base - x).
#}
{% macro scale_mean(items, reversed=[], reverse_base=none, min_items=none) -%}
    {%- set terms = [] -%}
    {%- for item in items -%}
        {%- if item in reversed -%}
            {%- do terms.append("(" ~ reverse_base ~ " - " ~ item ~ ")") -%}
        {%- else -%}
            {%- do terms.append(item) -%}
        {%- endif -%}
    {%- endfor -%}
    case
        {%- if min_items is none %}
        when list_count([{{ terms | join(', ') }}]) * 2 >= {{ items | length }}
        {%- else %}
        when list_count([{{ terms | join(', ') }}]) >= {{ min_items }}
        {%- endif %}
            then list_avg([{{ terms | join(', ') }}])
    end
{%- endmacro %}

{# Division that yields null instead of an error or infinity when the denominator is 0 or null. #}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif({{ denominator }}, 0))
{%- endmacro %}
