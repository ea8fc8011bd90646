-- The latest period each loaded file version of a period-based data set holds, for timeliness:
-- review_summary and workforce by quarter `period`, outcomes by federal `fiscal_year`. Every
-- version is here (also superseded and held ones: their lateness still counts), so this reads
-- the raw tables rather than the other staging models, which keep the current version only.
with

review_summary as (

    select * from {{ source('raw', 'review_summary') }}

),

workforce as (

    select * from {{ source('raw', 'workforce') }}

),

outcomes as (

    select * from {{ source('raw', 'outcomes') }}

),

periods as (

    select
        submission_id,
        max({{ quarter_end_date('period') }}) as latest_period_end_date
    from review_summary
    group by submission_id

    union all

    select
        submission_id,
        max({{ quarter_end_date('period') }}) as latest_period_end_date
    from workforce
    group by submission_id

    union all

    select
        submission_id,
        max({{ federal_fiscal_year_end_date('fiscal_year') }}) as latest_period_end_date
    from outcomes
    group by submission_id

)

select * from periods
