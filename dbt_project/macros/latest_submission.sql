{#
    The current version of each record: when several submissions carry the same key, the row from
    the latest load wins (then the later file name, then the later row). Used by every staging
    model so "a later file replaces earlier records with the same key" is defined once.
#}
{% macro latest_submission_order() -%}
    loaded_at desc, source_file desc, source_row_number desc
{%- endmacro %}
