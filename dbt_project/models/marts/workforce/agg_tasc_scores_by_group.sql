-- TASC scores per jurisdiction, survey wave, grouping dimension and group, with the jurisdiction
-- total; counting, scoring and (primary and complementary) suppression are defined once in the
-- macro tasc_scores_by_group (macros/tasc.sql).
with

responses as (

    select * from {{ ref('fct_tasc_responses') }}

),

scores as (

    {{ tasc_scores_by_group(
        'responses',
        scopes=['jurisdiction_wave'],
        dimensions=['total', 'role', 'tenure_band', 'org_unit', 'psychological_safety_band'],
    ) }}

),

final as (

    select
        {{ text_key(['jurisdiction_id', 'survey_wave', 'grouping_dimension', 'group_value']) }}
            as tasc_group_score_key,
        jurisdiction_id,
        survey_wave,
        grouping_dimension,
        group_value,
        respondents,
        is_suppressed,
        is_complementary_suppressed,
        psychological_safety_respondents,
        psychological_safety_score_mean,
        psychological_safety_pct_positive,
        stress_recognition_respondents,
        stress_recognition_score_mean,
        stress_recognition_pct_positive,
        workplace_connectedness_respondents,
        workplace_connectedness_score_mean,
        workplace_connectedness_pct_positive,
        emotional_exhaustion_respondents,
        emotional_exhaustion_mean,
        intent_to_stay_respondents,
        pct_intends_to_stay

    from scores

)

select * from final
