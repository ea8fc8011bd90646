-- Effective-dated history of sharing levels: one row per jurisdiction, data set and period of
-- validity [valid_from, valid_to). A row without effective_to ends where the next row of its
-- jurisdiction and data set begins; the last open row ends on the far-future sentinel, so the
-- table does not depend on the day it was built (readers filter valid_from <= d < valid_to).
with

sharing_levels as (

    select * from {{ ref('stg_reference__jurisdiction_sharing_levels') }}

),

sequenced as (

    select
        *,
        lead(effective_from) over (
            partition by jurisdiction_id, data_set
            order by effective_from
        ) as next_effective_from,
        lag(sharing_level) over (
            partition by jurisdiction_id, data_set
            order by effective_from
        ) as previous_sharing_level,
        row_number() over (
            partition by jurisdiction_id, data_set
            order by effective_from
        ) as version_number

    from sharing_levels

),

final as (

    select
        sharing_level_key,
        jurisdiction_id,
        data_set,
        sharing_level,
        effective_from as valid_from,
        coalesce(effective_to, next_effective_from, {{ far_future_date() }}) as valid_to,
        effective_to is null and next_effective_from is null as is_open_ended,
        cast(version_number as integer) as version_number,
        previous_sharing_level

    from sequenced

)

select * from final
