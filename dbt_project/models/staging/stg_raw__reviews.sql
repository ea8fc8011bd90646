with

source as (

    select * from {{ source('raw', 'reviews') }}
    where {{ not_held() }}

),

renamed as (

    select
        -- ids
        jurisdiction_id || ':' || review_id as review_key,
        jurisdiction_id,
        review_id,

        -- codes
        incident_type,
        cause_of_incident,
        maltreatment_type,
        child_sex,
        child_race_ethnicity,
        {{ split_codes('child_race_ethnicity') }} as race_ethnicity_codes,

        -- dates
        incident_date,
        review_completed_date,

        -- numerics
        child_age_years,
        prior_reports_count,

        -- booleans
        open_case_at_incident,
        contact_within_3_years,
        in_out_of_home_care,

        -- lineage
        source_file,
        source_row_number,
        file_sha256,
        loaded_at,
        submission_id

    from source

),

latest as (

    -- a later submission replaces earlier records with the same key
    select * from renamed
    qualify row_number() over (
        partition by review_key
        order by {{ latest_submission_order() }}
    ) = 1

)

select * from latest
