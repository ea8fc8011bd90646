with

source as (

    select * from {{ source('raw', 'workforce') }}
    where {{ not_held() }}

),

renamed as (

    select
        -- ids
        jurisdiction_id || ':' || period || ':' || role as workforce_quarter_key,
        jurisdiction_id,

        -- period
        period,
        {{ quarter_start_date('period') }} as period_start_date,
        {{ quarter_end_date('period') }} as period_end_date,

        -- codes
        role,

        -- numerics
        headcount_start,
        headcount_end,
        hires,
        separations_voluntary,
        separations_involuntary,
        vacancies,

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
        partition by workforce_quarter_key
        order by {{ latest_submission_order() }}
    ) = 1

)

select * from latest
