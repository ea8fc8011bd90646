-- Reviews with at least one IO in a theme, and IOs in the theme, from record-level members
-- (per completion date) and from summary members (per quarter, dated the last day of the quarter).
with

improvement_opportunities as (

    select * from {{ ref('int_improvement_opportunities_joined') }}

),

review_summary as (

    select * from {{ ref('stg_raw__review_summary') }}

),

record_counts as (

    select
        jurisdiction_id,
        'record' as source,
        review_completed_date as counted_on,
        incident_type,
        cause_of_incident,
        io_theme,
        count(distinct review_key) as reviews_with_theme,
        count(*) as ios_in_theme

    from improvement_opportunities
    -- an IO whose review is missing cannot be dated; fct_improvement_opportunities' relationship
    -- test reports it
    where review_completed_date is not null
    group by 1, 2, 3, 4, 5, 6

),

summary_counts as (

    select
        jurisdiction_id,
        'summary' as source,
        period_end_date as counted_on,
        incident_type,
        cast(null as varchar) as cause_of_incident,
        io_theme,
        sum(reviews_with_theme) as reviews_with_theme,
        sum(ios_identified) as ios_in_theme

    from review_summary
    where reviews_with_theme > 0 or ios_identified > 0
    group by 1, 2, 3, 4, 5, 6

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
        io_theme,
        cast(reviews_with_theme as integer) as reviews_with_theme,
        cast(ios_in_theme as integer) as ios_in_theme

    from unioned

)

select * from final
