with

source as (

    select * from {{ source('raw', 'review_summary') }}
    where {{ not_held() }}

),

renamed as (

    select
        -- ids
        jurisdiction_id || ':' || period || ':' || incident_type || ':' || io_theme
            as review_summary_key,
        jurisdiction_id,

        -- period
        period,
        {{ quarter_start_date('period') }} as period_start_date,
        {{ quarter_end_date('period') }} as period_end_date,

        -- codes
        incident_type,
        io_theme,

        -- numerics
        reviews_completed,
        ios_identified,
        reviews_with_theme,

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
        partition by review_summary_key
        order by {{ latest_submission_order() }}
    ) = 1

)

select * from latest
