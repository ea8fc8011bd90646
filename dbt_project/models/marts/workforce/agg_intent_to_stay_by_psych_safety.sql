with

responses as (

    select * from {{ ref('fct_tasc_responses') }}

),

bands as (

    select
        'low' as psychological_safety_band,
        1 as sort_order
    union all
    select
        'medium' as psychological_safety_band,
        2 as sort_order
    union all
    select
        'high' as psychological_safety_band,
        3 as sort_order

),

aggregated as (

    select
        psychological_safety_band,
        count(*) as respondents,
        count(intends_to_stay) as respondents_answering_intent,
        count(*) filter (where intends_to_stay) as respondents_intending_to_stay

    from responses
    where psychological_safety_band is not null
    group by psychological_safety_band

),

final as (

    select
        bands.psychological_safety_band,
        bands.sort_order,
        cast(coalesce(aggregated.respondents, 0) as integer) as respondents,
        cast(coalesce(aggregated.respondents_answering_intent, 0) as integer)
            as respondents_answering_intent,
        100.0 * aggregated.respondents_intending_to_stay
        / nullif(aggregated.respondents_answering_intent, 0) as pct_intends_to_stay

    from bands
    left join aggregated
        on bands.psychological_safety_band = aggregated.psychological_safety_band

)

select * from final
