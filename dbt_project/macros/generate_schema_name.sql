{#
    Use a model's custom schema as-is (no "<target schema>_" prefix): the dbt folder is the
    warehouse schema, so staging models land in "staging", marts/reviews in "reviews", and so on.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
