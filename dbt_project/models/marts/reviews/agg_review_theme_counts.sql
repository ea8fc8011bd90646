with

review_theme_counts as (

    select * from {{ ref('int_review_theme_counts_unioned') }}

),

final as (

    select
        {{ text_key(['jurisdiction_id', 'counted_on', 'source', 'incident_type', 'cause_of_incident', 'io_theme']) }}
            as review_theme_count_key,
        jurisdiction_id,
        source,
        counted_on,
        {{ calendar_quarter('counted_on') }} as period,
        incident_type,
        cause_of_incident,
        io_theme,
        reviews_with_theme,
        ios_in_theme

    from review_theme_counts
    where reviews_with_theme > 0 or ios_in_theme > 0

)

select * from final
