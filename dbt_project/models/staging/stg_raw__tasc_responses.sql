with

source as (

    select * from {{ source('raw', 'tasc_responses') }}
    where {{ not_held() }}

),

renamed as (

    select
        -- ids
        jurisdiction_id || ':' || survey_wave || ':' || response_id as response_key,
        jurisdiction_id,
        survey_wave,
        response_id,

        -- respondent
        response_date,
        org_unit,
        role,
        tenure_band,

        -- items: psychological safety (1-7, items 1, 3, 5 reverse-scored)
        ps_1,
        ps_2,
        ps_3,
        ps_4,
        ps_5,
        ps_6,
        ps_7,

        -- items: stress recognition (1-5)
        sr_1,
        sr_2,
        sr_3,
        sr_4,

        -- items: workplace connectedness (1-5)
        wc_1,
        wc_2,
        wc_3,

        -- items: emotional exhaustion (0-6)
        ee_1,
        ee_2,
        ee_3,
        ee_4,
        ee_5,

        -- intent to stay (1-5)
        intent_to_stay,

        -- lineage
        source_file,
        source_row_number,
        file_sha256,
        loaded_at,
        submission_id

    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by response_key
        order by {{ latest_submission_order() }}
    ) = 1

)

select * from latest
