with

review_counts as (

    select * from {{ ref('int_review_counts_unioned') }}

),

final as (

    select
        {{ text_key(['jurisdiction_id', 'counted_on', 'source', 'incident_type', 'cause_of_incident']) }}
            as review_count_key,
        jurisdiction_id,
        source,
        counted_on,
        {{ calendar_quarter('counted_on') }} as period,
        incident_type,
        cause_of_incident,
        reviews_completed,
        ios_identified

    from review_counts

)

select * from final
