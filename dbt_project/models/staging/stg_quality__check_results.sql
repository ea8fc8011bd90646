-- Every check result the gates recorded, typed and keyed. A check of one verification has one
-- row for the dataset as a whole (jurisdiction_id null) and, when it failed, one row per
-- jurisdiction whose rows made it fail; verification_check_key is the same on all of them.
with

source as (

    select * from {{ source('quality', 'check_results') }}

),

renamed as (

    select
        -- ids: a verification is one run of one contract, recorded at one time ('cli' runs
        -- share a run_id, so the time tells them apart)
        {{ text_key(['run_id', 'checked_at', 'contract', 'check_path', 'check_name', 'jurisdiction_id']) }}
            as check_result_key,
        {{ text_key(['run_id', 'checked_at', 'contract', 'check_path', 'check_name']) }}
            as verification_check_key,
        {{ text_key(['run_id', 'checked_at', 'contract']) }} as verification_key,
        run_id,

        -- when
        checked_at,
        cast(checked_at as date) as checked_on,

        -- what was checked
        layer,
        contract,
        dataset,
        check_name,
        check_type,
        column_name,
        check_path,
        level,

        -- outcome
        outcome,
        jurisdiction_id,
        failing_rows,
        diagnostics,
        sample,
        action

    from source

)

select * from renamed
