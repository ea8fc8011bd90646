with

responses as (

    select * from {{ ref('stg_raw__tasc_responses') }}

),

scale_means as (

    select
        *,
        {{ scale_mean(
            ['ps_1', 'ps_2', 'ps_3', 'ps_4', 'ps_5', 'ps_6', 'ps_7'],
            reversed=['ps_1', 'ps_3', 'ps_5'],
            reverse_base=8,
        ) }} as psychological_safety_mean,
        {{ scale_mean(['sr_1', 'sr_2', 'sr_3', 'sr_4']) }} as stress_recognition_mean,
        {{ scale_mean(['wc_1', 'wc_2', 'wc_3']) }} as workplace_connectedness_mean,
        {{ scale_mean(['ee_1', 'ee_2', 'ee_3', 'ee_4', 'ee_5']) }} as emotional_exhaustion_mean

    from responses

),

scores as (

    select
        *,
        -- 7-point scale to 0-100
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
        case
            when psychological_safety_score >= 75 then 'high'
            when psychological_safety_score >= 50 then 'medium'
            when psychological_safety_score is not null then 'low'
        end as psychological_safety_band,
        stress_recognition_score,
        workplace_connectedness_score,
        emotional_exhaustion_mean,
        intent_to_stay,
        intent_to_stay >= 4 as intends_to_stay

    from scores

)

select * from final
