with

source as (

    select * from {{ source('raw', 'outcomes') }}
    where {{ not_held() }}

),

renamed as (

    select
        -- ids
        jurisdiction_id || ':' || cast(fiscal_year as varchar) || ':' || race_ethnicity_group
            as outcome_key,
        jurisdiction_id,

        -- period and group
        fiscal_year,
        race_ethnicity_group,

        -- counts
        child_population,
        children_investigated,
        victims,
        victims_with_recurrence,
        recurrence_window_months,
        entries_to_care,
        maltreatment_fatalities,
        near_fatalities,

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
        partition by outcome_key
        order by {{ latest_submission_order() }}
    ) = 1

)

select * from latest
