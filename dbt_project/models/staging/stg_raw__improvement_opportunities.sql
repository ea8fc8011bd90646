-- narrative is restricted: it is deliberately not selected here, so it never leaves raw.
with

source as (

    select
        io_id,
        review_id,
        io_theme,
        io_level,
        partner_agency,
        rating,
        jurisdiction_id,
        source_file,
        source_row_number,
        file_sha256,
        loaded_at,
        submission_id
    from {{ source('raw', 'improvement_opportunities') }}
    where {{ not_held() }}

),

renamed as (

    select
        -- ids
        jurisdiction_id || ':' || io_id as io_key,
        jurisdiction_id || ':' || review_id as review_key,
        jurisdiction_id,
        io_id,
        review_id,

        -- codes
        io_theme,
        io_level,
        partner_agency,

        -- numerics
        rating,

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
        partition by io_key
        order by {{ latest_submission_order() }}
    ) = 1

)

select * from latest
