with

responses as (

    select * from {{ ref('fct_tasc_responses') }}

),

positives as (

    -- 1 when a respondent's 0-100 score is positive (>= 75), 0 when not, null when unscored:
    -- the mean of the flag is the share positive among respondents with a score
    select
        *,
        case
            when psychological_safety_score >= 75 then 1.0
            when psychological_safety_score is not null then 0.0
        end as is_psychological_safety_positive,
        case
            when stress_recognition_score >= 75 then 1.0
            when stress_recognition_score is not null then 0.0
        end as is_stress_recognition_positive,
        case
            when workplace_connectedness_score >= 75 then 1.0
            when workplace_connectedness_score is not null then 0.0
        end as is_workplace_connectedness_positive,
        case
            when intends_to_stay then 1.0
            when intends_to_stay is not null then 0.0
        end as is_intending_to_stay

    from responses

),

aggregated as (

    select
        jurisdiction_id,
        survey_wave,
        min(response_date) as first_response_date,
        max(response_date) as last_response_date,
        count(*) as respondents,
        avg(psychological_safety_score) as psychological_safety_score_mean,
        100 * avg(is_psychological_safety_positive) as psychological_safety_pct_positive,
        avg(stress_recognition_score) as stress_recognition_score_mean,
        100 * avg(is_stress_recognition_positive) as stress_recognition_pct_positive,
        avg(workplace_connectedness_score) as workplace_connectedness_score_mean,
        100 * avg(is_workplace_connectedness_positive) as workplace_connectedness_pct_positive,
        avg(emotional_exhaustion_mean) as emotional_exhaustion_mean,
        100 * avg(is_intending_to_stay) as pct_intends_to_stay

    from positives
    group by jurisdiction_id, survey_wave

),

suppressed as (

    select
        *,
        respondents < {{ var('tasc_min_respondents') }} as is_suppressed

    from aggregated

),

final as (

    select
        jurisdiction_id || ':' || survey_wave as tasc_score_key,
        jurisdiction_id,
        survey_wave,
        first_response_date,
        last_response_date,
        cast(respondents as integer) as respondents,
        is_suppressed,
        case when not is_suppressed then psychological_safety_score_mean end
            as psychological_safety_score_mean,
        case when not is_suppressed then psychological_safety_pct_positive end
            as psychological_safety_pct_positive,
        case when not is_suppressed then stress_recognition_score_mean end
            as stress_recognition_score_mean,
        case when not is_suppressed then stress_recognition_pct_positive end
            as stress_recognition_pct_positive,
        case when not is_suppressed then workplace_connectedness_score_mean end
            as workplace_connectedness_score_mean,
        case when not is_suppressed then workplace_connectedness_pct_positive end
            as workplace_connectedness_pct_positive,
        case when not is_suppressed then emotional_exhaustion_mean end
            as emotional_exhaustion_mean,
        case when not is_suppressed then pct_intends_to_stay end as pct_intends_to_stay

    from suppressed

)

select * from final
