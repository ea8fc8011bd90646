{# A deterministic text key from a list of columns: values joined with ':' and a null shown as
   '~' (no code, id or ISO date contains '~'), so a grain with nullable columns still has a
   unique, non-null key. #}
{% macro text_key(columns) -%}
    {%- for column in columns -%}
        coalesce(cast({{ column }} as varchar), '~'){% if not loop.last %} || ':' || {% endif %}
    {%- endfor -%}
{%- endmacro %}
