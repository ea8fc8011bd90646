-- How strongly psychological safety goes with intent to stay, per jurisdiction and wave, per
-- wave over the partnership and over the partnership and all waves. Counting, the correlation
-- and (primary and complementary) suppression come from the macro tasc_scores_by_group
-- (macros/tasc.sql); this model puts the three bands side by side.
with

responses as (

    select * from {{ ref('fct_tasc_responses') }}

),

scores as (

    {{ tasc_scores_by_group(
        'responses',
        scopes=['jurisdiction_wave', 'partnership_wave', 'partnership'],
        dimensions=['total', 'psychological_safety_band'],
    ) }}

),

totals as (

    select * from scores
    where grouping_dimension = 'total'

),

bands as (

    select
        scope_level,
        jurisdiction_id,
        survey_wave,
        max(intent_to_stay_respondents) filter (where group_value = 'low') as respondents_low,
        max(intent_to_stay_respondents) filter (where group_value = 'medium') as respondents_medium,
        max(intent_to_stay_respondents) filter (where group_value = 'high') as respondents_high,
        max(pct_intends_to_stay) filter (where group_value = 'low') as pct_intends_to_stay_low,
        max(pct_intends_to_stay) filter (where group_value = 'medium') as pct_intends_to_stay_medium,
        max(pct_intends_to_stay) filter (where group_value = 'high') as pct_intends_to_stay_high

    from scores
    where grouping_dimension = 'psychological_safety_band'
    group by scope_level, jurisdiction_id, survey_wave

),

final as (

    select
        {{ text_key(['totals.jurisdiction_id', 'totals.survey_wave']) }}
            as psych_safety_intent_key,
        totals.scope_level,
        totals.jurisdiction_id,
        totals.survey_wave,
        totals.jurisdictions_counted,
        totals.correlation_respondents as respondents,
        totals.correlation_respondents < {{ var('tasc_min_respondents') }} as is_suppressed,
        coalesce(bands.respondents_low, 0) as respondents_low,
        coalesce(bands.respondents_medium, 0) as respondents_medium,
        coalesce(bands.respondents_high, 0) as respondents_high,
        bands.pct_intends_to_stay_low,
        bands.pct_intends_to_stay_medium,
        bands.pct_intends_to_stay_high,
        bands.pct_intends_to_stay_high - bands.pct_intends_to_stay_low
            as pct_intends_to_stay_high_minus_low,
        totals.psych_safety_intent_correlation

    from totals
    left join bands
        on
            totals.scope_level = bands.scope_level
            and totals.jurisdiction_id is not distinct from bands.jurisdiction_id
            and totals.survey_wave is not distinct from bands.survey_wave

)

select * from final
