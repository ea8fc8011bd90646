-- Mean improvement opportunities per reviewed incident, per jurisdiction, quarter, source and
-- incident type: ios_identified / reviews_completed (reviews without IOs count in the
-- denominator). For any larger group, sum both counts and divide (a ratio of sums, never a mean
-- of the row ratios).
with

review_counts as (

    select * from {{ ref('int_review_counts_unioned') }}

),

summed as (

    select
        jurisdiction_id,
        {{ calendar_quarter('counted_on') }} as period,
        source,
        incident_type,
        sum(reviews_completed) as reviews_completed,
        sum(ios_identified) as ios_identified

    from review_counts
    group by all

),

final as (

    select
        {{ text_key(['jurisdiction_id', 'period', 'source', 'incident_type']) }} as ios_per_review_key,
        jurisdiction_id,
        period,
        {{ quarter_start_date('period') }} as period_start_date,
        {{ quarter_end_date('period') }} as period_end_date,
        source,
        incident_type,
        cast(reviews_completed as integer) as reviews_completed,
        cast(ios_identified as integer) as ios_identified,
        {{ safe_divide('ios_identified', 'reviews_completed') }} as ios_per_review

    from summed

)

select * from final
