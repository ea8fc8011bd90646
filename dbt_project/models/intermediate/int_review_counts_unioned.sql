-- Review and IO counts from record-level members (per completion date) and from summary
-- members (per quarter, dated the last day of the quarter), in one shape.
with

reviews as (

    select * from {{ ref('stg_raw__reviews') }}

),

reviews_themes as (

    select * from {{ ref('int_reviews_themes_aggregated') }}

),

review_summary as (

    select * from {{ ref('stg_raw__review_summary') }}

),

record_counts as (

    select
        reviews.jurisdiction_id,
        'record' as source,
        reviews.review_completed_date as counted_on,
        reviews.incident_type,
        reviews.cause_of_incident,
        count(*) as reviews_completed,
        coalesce(sum(reviews_themes.ios_count), 0) as ios_identified

    from reviews
    left join reviews_themes
        on reviews.review_key = reviews_themes.review_key
    group by 1, 2, 3, 4, 5

),

summary_counts as (

    -- reviews_completed repeats on every theme row of one period and incident type:
    -- take it once; IOs are summed over the themes.
    select
        jurisdiction_id,
        'summary' as source,
        period_end_date as counted_on,
        incident_type,
        cast(null as varchar) as cause_of_incident,
        max(reviews_completed) as reviews_completed,
        sum(ios_identified) as ios_identified

    from review_summary
    group by 1, 2, 3, 4, 5

),

unioned as (

    select * from record_counts
    union all
    select * from summary_counts

),

final as (

    select
        jurisdiction_id,
        source,
        counted_on,
        incident_type,
        cause_of_incident,
        cast(reviews_completed as integer) as reviews_completed,
        cast(ios_identified as integer) as ios_identified

    from unioned

)

select * from final
