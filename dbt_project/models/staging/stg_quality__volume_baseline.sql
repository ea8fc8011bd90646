-- The volume baselines the gates compare row counts with: per dataset and jurisdiction (null:
-- the whole dataset), the count when its gate last passed.
with

source as (

    select * from {{ source('quality', 'volume_baseline') }}

),

renamed as (

    select
        -- ids
        {{ text_key(['dataset', 'jurisdiction_id']) }} as volume_baseline_key,
        dataset,
        jurisdiction_id,

        -- the baseline
        row_count,
        recorded_at,
        run_id

    from source

)

select * from renamed
