-- No day may have two sharing levels for one jurisdiction and data set, and every period of
-- validity must be non-empty: list the rows that break either rule.
with

sharing_levels as (

    select * from {{ ref('dim_jurisdiction_sharing_levels') }}

),

empty_periods as (

    select
        sharing_level_key,
        cast(null as varchar) as overlapping_key,
        'valid_to is not after valid_from' as problem
    from sharing_levels
    where valid_to <= valid_from

),

overlapping_periods as (

    select
        earlier.sharing_level_key,
        later.sharing_level_key as overlapping_key,
        'periods overlap' as problem
    from sharing_levels as earlier
    inner join sharing_levels as later
        on
            earlier.jurisdiction_id = later.jurisdiction_id
            and earlier.data_set = later.data_set
            and earlier.sharing_level_key < later.sharing_level_key
            and earlier.valid_from < later.valid_to
            and earlier.valid_to > later.valid_from

)

select * from empty_periods
union all
select * from overlapping_periods
