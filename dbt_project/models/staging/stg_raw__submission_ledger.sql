-- Only what the marts need from the ledger: which file version (submission_id) of which
-- jurisdiction and data set was received when. No file path, sha or reason text.
with

source as (

    select * from {{ source('raw', 'submission_ledger') }}

),

renamed as (

    select
        -- ids
        submission_id,
        jurisdiction_id,
        data_set,

        -- when and what
        received_at,
        status,
        rows_loaded,
        rows_quarantined

    from source
    -- file versions loaded into raw; rejected files (no submission_id) loaded nothing
    where
        stage = 'load'
        and submission_id is not null

)

select * from renamed
