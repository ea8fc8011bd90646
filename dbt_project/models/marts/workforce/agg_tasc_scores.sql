-- TASC scores per jurisdiction and survey wave; counting, scoring and suppression are defined
-- once in the macro tasc_scores_by_group (macros/tasc.sql).
with

responses as (

    select * from {{ ref('fct_tasc_responses') }}

),

scores as (

    {{ tasc_scores_by_group('responses', scopes=['jurisdiction_wave'], dimensions=['total']) }}

),

final as (

    select
        jurisdiction_id || ':' || survey_wave as tasc_score_key,
        jurisdiction_id,
        survey_wave,
        first_response_date,
        last_response_date,
        respondents,
        is_suppressed,
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
