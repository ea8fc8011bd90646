{# Split a ';'-separated list of codes into a sorted list of distinct, trimmed codes. #}
{% macro split_codes(column) -%}
    list_sort(list_distinct(string_split(regexp_replace(trim({{ column }}), '\s*;\s*', ';', 'g'), ';')))
{%- endmacro %}

{#
    The single reporting race/ethnicity group of a child from the list of race/ethnicity codes.
    Hierarchy (configurable through var race_ethnicity_priority_codes, default hispanic_latino):
    any priority code -> that code (first in the list wins); else exactly one known race -> that
    race; several known races -> two_or_more; no known race (only unknown, or nothing) -> unknown.
    "unknown" next to known races is ignored.
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
