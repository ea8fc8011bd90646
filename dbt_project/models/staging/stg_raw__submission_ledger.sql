-- Only what the marts need from the ledger: which file version (submission_id) of which
-- jurisdiction and data set was received when, and what the raw quality gate decided about it.
-- No file path, sha or load reason text.
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
        rows_read,
        rows_loaded,
        rows_quarantined,

        -- the raw quality gate (quality_checks/store.py): null until a gate checked the version
        coalesce(gate_status, 'pending') as gate_status,
        gate_checked_at,
        gate_run_id,
        gate_reason

    from source
    -- file versions loaded into raw; rejected files (no submission_id) loaded nothing
    where
        stage = 'load'
        and submission_id is not null

)

select * from renamed
