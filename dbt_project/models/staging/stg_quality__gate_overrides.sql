-- Engineers' recorded decisions to let a failing contract (or one check of it) through once.
with

source as (

    select * from {{ source('quality', 'gate_overrides') }}

),

renamed as (

    select
        -- ids
        override_id,

        -- what it lets through, and why
        contract,
        check_name,
        reason,
        created_by,
        created_at,

        -- spent by
        used_by_run_id,
        used_at,
        used_by_run_id is not null as is_used

    from source

)

select * from renamed
