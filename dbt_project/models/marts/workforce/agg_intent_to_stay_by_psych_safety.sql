-- Intent to stay per psychological-safety band over all jurisdictions and waves. Counting and
-- suppression come from the macro tasc_scores_by_group (macros/tasc.sql): the unscored
-- respondents form the group with a null band, which takes part in complementary suppression
-- and is then left out.
with

responses as (

    select * from {{ ref('fct_tasc_responses') }}

),

scores as (

    {{ tasc_scores_by_group(
        'responses',
        scopes=['partnership'],
        dimensions=['psychological_safety_band'],
    ) }}

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

final as (

    select
        bands.psychological_safety_band,
        bands.sort_order,
        coalesce(scores.respondents, 0) as respondents,
        coalesce(scores.intent_to_stay_respondents, 0) as respondents_answering_intent,
        -- hidden: fewer respondents answering intent than var tasc_min_respondents, or
        -- hidden to protect another band (complementary suppression)
        scores.pct_intends_to_stay is null as is_suppressed,
        scores.pct_intends_to_stay

    from bands
    left join scores
        on bands.psychological_safety_band = scores.group_value

)

select * from final
