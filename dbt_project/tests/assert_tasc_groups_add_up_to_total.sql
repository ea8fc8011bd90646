-- In agg_tasc_scores_by_group the groups of each grouping dimension (the null group included)
-- add up to the jurisdiction-and-wave total of agg_tasc_scores, for all respondents and for each
-- measure's base. Returns the dimensions that do not.
with

by_group as (

    select * from {{ ref('agg_tasc_scores_by_group') }}

),

scores as (

    select * from {{ ref('agg_tasc_scores') }}

),

dimension_sums as (

    select
        jurisdiction_id,
        survey_wave,
        grouping_dimension,
        sum(respondents) as respondents,
        sum(psychological_safety_respondents) as psychological_safety_respondents,
        sum(stress_recognition_respondents) as stress_recognition_respondents,
        sum(workplace_connectedness_respondents) as workplace_connectedness_respondents,
        sum(emotional_exhaustion_respondents) as emotional_exhaustion_respondents,
        sum(intent_to_stay_respondents) as intent_to_stay_respondents

    from by_group
    group by jurisdiction_id, survey_wave, grouping_dimension

)

select
    dimension_sums.jurisdiction_id,
    dimension_sums.survey_wave,
    dimension_sums.grouping_dimension

from dimension_sums
full outer join scores
    on
        dimension_sums.jurisdiction_id = scores.jurisdiction_id
        and dimension_sums.survey_wave = scores.survey_wave
where
    dimension_sums.respondents is distinct from scores.respondents
    or dimension_sums.psychological_safety_respondents is distinct from scores.psychological_safety_respondents
    or dimension_sums.stress_recognition_respondents is distinct from scores.stress_recognition_respondents
    or dimension_sums.workplace_connectedness_respondents
    is distinct from scores.workplace_connectedness_respondents
    or dimension_sums.emotional_exhaustion_respondents is distinct from scores.emotional_exhaustion_respondents
    or dimension_sums.intent_to_stay_respondents is distinct from scores.intent_to_stay_respondents
