-- Each improvement opportunity with the attributes of its review that the marts group by.
with

improvement_opportunities as (

    select * from {{ ref('stg_raw__improvement_opportunities') }}

),

reviews as (

    select * from {{ ref('stg_raw__reviews') }}

),

joined as (

    select
        improvement_opportunities.io_key,
        improvement_opportunities.jurisdiction_id,
        improvement_opportunities.io_id,
        improvement_opportunities.review_key,
        improvement_opportunities.review_id,
        improvement_opportunities.io_theme,
        improvement_opportunities.io_level,
        improvement_opportunities.partner_agency,
        improvement_opportunities.rating,
        reviews.incident_type,
        reviews.cause_of_incident,
        reviews.review_completed_date,
        improvement_opportunities.submission_id,
        improvement_opportunities.source_row_number

    from improvement_opportunities
    left join reviews
        on improvement_opportunities.review_key = reviews.review_key

)

select * from joined
