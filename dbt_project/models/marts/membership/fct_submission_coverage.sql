-- What each member has submitted: one row per jurisdiction, data set and period that has at
-- least one current row (the latest version of each record, as staging keeps it). Periods:
-- reviews and IOs the calendar quarter the review was completed in; review_summary and workforce
-- their quarter; tasc_responses the survey wave; outcomes the federal fiscal year.
with

reviews as (

    select * from {{ ref('stg_raw__reviews') }}

),

improvement_opportunities as (

    select * from {{ ref('stg_raw__improvement_opportunities') }}

),

review_summary as (

    select * from {{ ref('stg_raw__review_summary') }}

),

tasc_responses as (

    select * from {{ ref('stg_raw__tasc_responses') }}

),

workforce as (

    select * from {{ ref('stg_raw__workforce') }}

),

outcomes as (

    select * from {{ ref('stg_raw__outcomes') }}

),

ledger as (

    select * from {{ ref('stg_raw__submission_ledger') }}

),

sharing_levels as (

    select * from {{ ref('dim_jurisdiction_sharing_levels') }}

),

current_rows as (

    select
        jurisdiction_id,
        'reviews' as data_set,
        'calendar_quarter' as period_type,
        {{ calendar_quarter('review_completed_date') }} as period,
        {{ quarter_start_date(calendar_quarter('review_completed_date')) }} as period_start_date,
        {{ quarter_end_date(calendar_quarter('review_completed_date')) }} as period_end_date,
        submission_id
    from reviews

    union all

    -- an IO is dated by its review; null period when its review is not in the warehouse
    select
        improvement_opportunities.jurisdiction_id,
        'improvement_opportunities' as data_set,
        'calendar_quarter' as period_type,
        {{ calendar_quarter('reviews.review_completed_date') }} as period,
        {{ quarter_start_date(calendar_quarter('reviews.review_completed_date')) }} as period_start_date,
        {{ quarter_end_date(calendar_quarter('reviews.review_completed_date')) }} as period_end_date,
        improvement_opportunities.submission_id
    from improvement_opportunities
    left join reviews
        on improvement_opportunities.review_key = reviews.review_key

    union all

    select
        jurisdiction_id,
        'review_summary' as data_set,
        'calendar_quarter' as period_type,
        period,
        period_start_date,
        period_end_date,
        submission_id
    from review_summary

    union all

    -- a survey wave has no fixed dates: it spans its responses' dates
    select
        jurisdiction_id,
        'tasc_responses' as data_set,
        'survey_wave' as period_type,
        survey_wave as period,
        response_date as period_start_date,
        response_date as period_end_date,
        submission_id
    from tasc_responses

    union all

    select
        jurisdiction_id,
        'workforce' as data_set,
        'calendar_quarter' as period_type,
        period,
        period_start_date,
        period_end_date,
        submission_id
    from workforce

    union all

    select
        jurisdiction_id,
        'outcomes' as data_set,
        'federal_fiscal_year' as period_type,
        cast(fiscal_year as varchar) as period,
        {{ federal_fiscal_year_start_date('fiscal_year') }} as period_start_date,
        {{ federal_fiscal_year_end_date('fiscal_year') }} as period_end_date,
        submission_id
    from outcomes

),

covered as (

    select
        current_rows.jurisdiction_id,
        current_rows.data_set,
        current_rows.period,
        current_rows.period_type,
        min(current_rows.period_start_date) as period_start_date,
        max(current_rows.period_end_date) as period_end_date,
        count(*) as current_row_count,
        count(distinct current_rows.submission_id) as file_version_count,
        min(ledger.received_at) as first_received_at,
        max(ledger.received_at) as last_received_at,
        max(current_rows.submission_id) as latest_submission_id

    from current_rows
    left join ledger
        on current_rows.submission_id = ledger.submission_id
    group by
        current_rows.jurisdiction_id,
        current_rows.data_set,
        current_rows.period,
        current_rows.period_type

),

final as (

    select
        {{ text_key(['covered.jurisdiction_id', 'covered.data_set', 'covered.period']) }}
            as submission_coverage_key,
        covered.jurisdiction_id,
        covered.data_set,
        covered.period,
        covered.period_type,
        covered.period_start_date,
        covered.period_end_date,
        cast(covered.current_row_count as integer) as current_row_count,
        cast(covered.file_version_count as integer) as file_version_count,
        covered.latest_submission_id,
        covered.first_received_at,
        covered.last_received_at,
        sharing_levels.sharing_level as sharing_level_at_period_end

    from covered
    left join sharing_levels
        on
            covered.jurisdiction_id = sharing_levels.jurisdiction_id
            and covered.data_set = sharing_levels.data_set
            and covered.period_end_date >= sharing_levels.valid_from
            and covered.period_end_date < sharing_levels.valid_to

)

select * from final
