-- No narrative: the restricted free text never leaves raw.
with

improvement_opportunities as (

    select * from {{ ref('int_improvement_opportunities_joined') }}

),

final as (

    select
        io_key,
        jurisdiction_id,
        io_id,
        review_key,
        io_theme,
        io_level,
        partner_agency,
        rating,
        incident_type,
        cause_of_incident,
        review_completed_date,
        submission_id,
        source_row_number

    from improvement_opportunities

)

select * from final
