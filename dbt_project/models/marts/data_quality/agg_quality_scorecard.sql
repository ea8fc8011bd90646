-- The data-quality scorecard: per jurisdiction and federal fiscal quarter in which its file
-- versions were received, what became of them (accepted, released, held, pending, rejected),
-- how many rows were read, loaded and quarantined, how the raw gates judged them, and for the
-- period-based data sets whether they came by their due date.
with

file_versions as (

    select * from {{ ref('int_file_versions_unioned') }}

),

gate_checks as (

    select * from {{ ref('int_file_versions_gate_checks_matched') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

received as (

    select
        file_versions.*,
        calendar.federal_fiscal_quarter_label as period,
        calendar.federal_fiscal_year,
        calendar.federal_fiscal_quarter,
        -- a federal fiscal quarter is a calendar quarter (FY Q1 = October-December)
        calendar.quarter_start_date as period_start_date,
        calendar.quarter_end_date as period_end_date
    from file_versions
    left join calendar
        on file_versions.received_on = calendar.date_day

),

by_period as (

    select
        jurisdiction_id,
        period,
        min(federal_fiscal_year) as federal_fiscal_year,
        min(federal_fiscal_quarter) as federal_fiscal_quarter,
        min(period_start_date) as period_start_date,
        min(period_end_date) as period_end_date,

        count(*) as file_versions_received,
        count(*) filter (where file_status = 'accepted') as file_versions_accepted,
        count(*) filter (where file_status = 'released') as file_versions_released,
        count(*) filter (where file_status = 'held') as file_versions_held,
        count(*) filter (where file_status = 'pending') as file_versions_pending,
        count(*) filter (where file_status = 'rejected') as file_versions_rejected,

        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,

        count(due_date) as file_versions_due,
        count(*) filter (where is_on_time) as file_versions_on_time,
        median(days_late) as median_days_late,

        max(received_at) as last_received_at

    from received
    group by jurisdiction_id, period

),

-- a check is counted once per jurisdiction and period, even when it judged several of the
-- jurisdiction's file versions of that period (one gate run, several files)
checks as (

    select distinct
        received.jurisdiction_id,
        received.period,
        gate_checks.verification_check_key,
        gate_checks.outcome_for_jurisdiction
    from gate_checks
    inner join received
        on gate_checks.submission_id = received.submission_id
    where gate_checks.outcome_for_jurisdiction <> 'excluded'

),

checks_by_period as (

    select
        jurisdiction_id,
        period,
        count(*) as raw_gate_checks_run,
        count(*) filter (
            where outcome_for_jurisdiction in ('failed', 'error', 'not_evaluated')
        ) as raw_gate_checks_failed,
        count(*) filter (where outcome_for_jurisdiction = 'warned') as raw_gate_checks_warned
    from checks
    group by jurisdiction_id, period

),

final as (

    select
        {{ text_key(['by_period.jurisdiction_id', 'by_period.period']) }} as scorecard_key,
        by_period.jurisdiction_id,
        by_period.period,
        cast(by_period.federal_fiscal_year as integer) as federal_fiscal_year,
        cast(by_period.federal_fiscal_quarter as integer) as federal_fiscal_quarter,
        by_period.period_start_date,
        by_period.period_end_date,

        -- file versions
        cast(by_period.file_versions_received as integer) as file_versions_received,
        cast(by_period.file_versions_accepted as integer) as file_versions_accepted,
        cast(by_period.file_versions_released as integer) as file_versions_released,
        cast(by_period.file_versions_held as integer) as file_versions_held,
        cast(by_period.file_versions_pending as integer) as file_versions_pending,
        cast(by_period.file_versions_rejected as integer) as file_versions_rejected,

        -- rows
        cast(by_period.rows_read as bigint) as rows_read,
        cast(by_period.rows_loaded as bigint) as rows_loaded,
        cast(by_period.rows_quarantined as bigint) as rows_quarantined,
        cast(by_period.rows_quarantined as double) / nullif(by_period.rows_read, 0)
            as quarantine_rate,

        -- raw gates
        cast(coalesce(checks_by_period.raw_gate_checks_run, 0) as integer)
            as raw_gate_checks_run,
        cast(coalesce(checks_by_period.raw_gate_checks_failed, 0) as integer)
            as raw_gate_checks_failed,
        cast(coalesce(checks_by_period.raw_gate_checks_warned, 0) as integer)
            as raw_gate_checks_warned,
        cast(checks_by_period.raw_gate_checks_run - checks_by_period.raw_gate_checks_failed as double)
        / nullif(checks_by_period.raw_gate_checks_run, 0) as raw_gate_pass_rate,

        -- timeliness (period-based data sets only)
        cast(by_period.file_versions_due as integer) as file_versions_due,
        cast(by_period.file_versions_on_time as integer) as file_versions_on_time,
        cast(by_period.file_versions_on_time as double) / nullif(by_period.file_versions_due, 0)
            as on_time_rate,
        cast(by_period.median_days_late as double) as median_days_late,

        by_period.last_received_at

    from by_period
    left join checks_by_period
        on
            by_period.jurisdiction_id = checks_by_period.jurisdiction_id
            and by_period.period = checks_by_period.period

)

select * from final
