{#
    The current version of each record: when several submissions carry the same key, the row from
    the latest submission (ledger id) wins, then the later row of that file. Used by every staging
    model so "a later file replaces earlier records with the same key" is defined once.
#}
{% macro latest_submission_order() -%}
    submission_id desc, source_row_number desc
{%- endmacro %}
