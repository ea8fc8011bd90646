-- Scoring of one TASC response. Missing-item rule: a scale is scored only when at least
-- var tasc_min_items_<scale> of its items are answered (default: half of the items, rounded
-- up); the mean is then taken over the answered items.
with

responses as (

    select * from {{ ref('stg_raw__tasc_responses') }}

),

scale_means as (

    select
        *,
        -- Edmondson's team psychological safety, 1-7 agreement; items 1, 3 and 5 are
        -- negatively worded and reverse-scored as 8 - x
        {{ scale_mean(
            ['ps_1', 'ps_2', 'ps_3', 'ps_4', 'ps_5', 'ps_6', 'ps_7'],
            reversed=['ps_1', 'ps_3', 'ps_5'],
            reverse_base=8,
            min_items=var('tasc_min_items_psychological_safety') | int,
        ) }} as psychological_safety_mean,
        {{ scale_mean(
            ['sr_1', 'sr_2', 'sr_3', 'sr_4'],
            min_items=var('tasc_min_items_stress_recognition') | int,
        ) }} as stress_recognition_mean,
        {{ scale_mean(
            ['wc_1', 'wc_2', 'wc_3'],
            min_items=var('tasc_min_items_workplace_connectedness') | int,
        ) }} as workplace_connectedness_mean,
        -- 0-6 frequency scale, reported as the mean itself
        {{ scale_mean(
            ['ee_1', 'ee_2', 'ee_3', 'ee_4', 'ee_5'],
            min_items=var('tasc_min_items_emotional_exhaustion') | int,
        ) }} as emotional_exhaustion_mean

    from responses

),

scores as (

    select
        *,
        -- 7-point scale to 0-100: (mean - 1) / 6 x 100
        (psychological_safety_mean - 1) / 6 * 100 as psychological_safety_score,
        -- 5-point safety-attitude scales to 0-100: (mean - 1) x 25
        (stress_recognition_mean - 1) * 25 as stress_recognition_score,
        (workplace_connectedness_mean - 1) * 25 as workplace_connectedness_score

    from scale_means

),

final as (

    select
        response_key,
        jurisdiction_id,
        survey_wave,
        response_date,
        org_unit,
        role,
        tenure_band,
        psychological_safety_mean,
        psychological_safety_score,
        -- cut points compared on the score rounded to 6 decimals, so a score that is exactly a
        -- cut point in decimal arithmetic is not pushed below it by floating-point error
        case
            when round(psychological_safety_score, 6) >= {{ var('tasc_psych_safety_band_high_min') }}
                then 'high'
            when round(psychological_safety_score, 6) >= {{ var('tasc_psych_safety_band_medium_min') }}
                then 'medium'
            when psychological_safety_score is not null then 'low'
        end as psychological_safety_band,
        stress_recognition_score,
        workplace_connectedness_score,
        emotional_exhaustion_mean,
        intent_to_stay,
        -- agree (4) or strongly agree (5) with "I intend to be working here twelve months from now"
        intent_to_stay >= 4 as intends_to_stay

    from scores

)

select * from final
