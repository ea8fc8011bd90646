-- Rows ingestion kept out of raw, one per rule broken: which file version, row, column and rule.
-- The (masked) value is not selected: nothing downstream of staging carries a submitted value.
with

source as (

    select * from {{ source('raw', 'quarantine') }}
    -- rows kept out only: a note on a row that loaded (row_loaded) is not a quarantined row
    where not coalesce(row_loaded, false)

),

renamed as (

    select
        -- ids
        {{ text_key(['submission_id', 'source_row_number', 'column_name', 'rule']) }}
            as quarantine_key,
        submission_id,
        jurisdiction_id,
        data_set,

        -- where and why
        source_row_number,
        column_name,
        rule

    from source

)

select * from renamed
