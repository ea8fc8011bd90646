with

source as (

    select * from {{ ref('jurisdiction_sharing_levels') }}

),

renamed as (

    select
        jurisdiction_id || ':' || data_set || ':' || cast(effective_from as varchar)
            as sharing_level_key,
        jurisdiction_id,
        data_set,
        sharing_level,
        effective_from,
        effective_to

    from source

)

select * from renamed
