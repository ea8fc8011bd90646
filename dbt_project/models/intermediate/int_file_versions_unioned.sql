-- Every file version received, loaded or rejected at load, with what became of it and, for the
-- period-based data sets, whether it came by its due date. The data_quality marts count these.
with

loaded as (

    select * from {{ ref('stg_raw__submission_ledger') }}

),

rejected as (

    select * from {{ ref('stg_raw__rejected_files') }}

),

submission_periods as (

    select * from {{ ref('stg_raw__submission_periods') }}

),

file_versions as (

    select
        'loaded:' || cast(submission_id as varchar) as file_version_key,
        submission_id,
        jurisdiction_id,
        data_set,
        received_at,
        -- what became of it: the raw quality gate's decision (released = held, then let through)
        gate_status as file_status,
        rows_read,
        rows_loaded,
        rows_quarantined
    from loaded

    union all

    select
        'rejected:' || rejected_file_key as file_version_key,
        cast(null as bigint) as submission_id,
        jurisdiction_id,
        data_set,
        received_at,
        'rejected' as file_status,
        coalesce(rows_read, 0) as rows_read,
        0 as rows_loaded,
        0 as rows_quarantined
    from rejected

),

timed as (

    select
        file_versions.*,
        cast(file_versions.received_at as date) as received_on,
        submission_periods.latest_period_end_date,
        -- no deadline for reviews, improvement_opportunities and tasc_responses (no period),
        -- nor for a version none of whose rows loaded (its periods are unknown)
        cast(
            submission_periods.latest_period_end_date + {{ var('submission_due_days') }} as date
        ) as due_date
    from file_versions
    left join submission_periods
        on file_versions.submission_id = submission_periods.submission_id

),

final as (

    select
        file_version_key,
        submission_id,
        jurisdiction_id,
        data_set,
        received_at,
        received_on,
        file_status,
        cast(rows_read as bigint) as rows_read,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(rows_quarantined as bigint) as rows_quarantined,
        latest_period_end_date,
        due_date,
        received_on <= due_date as is_on_time,
        case
            when received_on > due_date then date_diff('day', due_date, received_on)
        end as days_late

    from timed

)

select * from final
