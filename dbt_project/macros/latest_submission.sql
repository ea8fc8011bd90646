{#
    The current version of each record: when several submissions carry the same key, the row from
    the latest submission (ledger id) wins, then the later row of that file. Used by every staging
    model so "a later file replaces earlier records with the same key" is defined once.
#}
{% macro latest_submission_order() -%}
    submission_id desc, source_row_number desc
{%- endmacro %}

{#
    File versions a raw quality gate held back (raw.submission_ledger.gate_status = 'held') are left
    out of staging, so the marts keep the jurisdiction's last good data until a corrected file
    arrives or an engineer releases the hold (quality_checks/README.md). Used by every staging model
    of a raw data set, right where it reads its source.
#}
{% macro not_held(submission_id='submission_id') -%}
    {{ submission_id }} not in (
        select held.submission_id
        from {{ source('raw', 'submission_ledger') }} as held
        where held.gate_status = 'held' and held.submission_id is not null
    )
{%- endmacro %}
