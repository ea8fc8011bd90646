-- Why rows were quarantined: per jurisdiction, federal fiscal quarter of receipt, data set,
-- column and rule, how many rows broke the rule. Rule and column only, never a value.
with

quarantine as (

    select * from {{ ref('stg_raw__quarantine') }}

),

ledger as (

    select * from {{ ref('stg_raw__submission_ledger') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

received as (

    select
        quarantine.jurisdiction_id,
        quarantine.data_set,
        quarantine.column_name,
        quarantine.rule,
        quarantine.submission_id,
        {{ text_key(['quarantine.submission_id', 'quarantine.source_row_number']) }} as quarantined_row,
        calendar.federal_fiscal_quarter_label as period,
        calendar.quarter_start_date as period_start_date,
        calendar.quarter_end_date as period_end_date
    from quarantine
    inner join ledger
        on quarantine.submission_id = ledger.submission_id
    left join calendar
        on cast(ledger.received_at as date) = calendar.date_day

),

final as (

    select
        {{ text_key(['jurisdiction_id', 'period', 'data_set', 'column_name', 'rule']) }}
            as quarantine_reason_key,
        jurisdiction_id,
        period,
        min(period_start_date) as period_start_date,
        min(period_end_date) as period_end_date,
        data_set,
        column_name,
        rule,
        cast(count(distinct quarantined_row) as bigint) as rows_quarantined,
        cast(count(distinct submission_id) as integer) as file_versions

    from received
    group by jurisdiction_id, period, data_set, column_name, rule

)

select * from final
