-- The gates' results history: one row per check result, as the gates stored it (typed). A
-- null jurisdiction_id is the dataset as a whole; a jurisdiction's row says its rows made a
-- failing check fail.
with

check_results as (

    select * from {{ ref('stg_quality__check_results') }}

),

final as (

    select
        check_result_key,
        verification_check_key,
        verification_key,
        run_id,
        checked_at,
        checked_on,
        layer,
        contract,
        dataset,
        check_name,
        check_type,
        column_name,
        check_path,
        level,
        outcome,
        jurisdiction_id,
        jurisdiction_id is null as is_dataset_result,
        failing_rows,
        diagnostics,
        sample,
        action

    from check_results

)

select * from final
