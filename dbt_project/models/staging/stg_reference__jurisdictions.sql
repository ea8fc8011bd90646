with

source as (

    select * from {{ ref('jurisdictions') }}

),

renamed as (

    select
        jurisdiction_id,
        jurisdiction_name,
        jurisdiction_type,
        nullif(trim(parent_jurisdiction_id), '') as parent_jurisdiction_id,
        state_code,
        joined_date,
        left_date,
        small_cell_threshold

    from source

)

select * from renamed
