with recursive

jurisdictions as (

    select * from {{ ref('stg_reference__jurisdictions') }}

),

top_level as (

    -- members that nest in no member: no parent, or a parent outside the partnership
    select jurisdictions.*
    from jurisdictions
    left join jurisdictions as parents
        on jurisdictions.parent_jurisdiction_id = parents.jurisdiction_id
    where parents.jurisdiction_id is null

),

hierarchy as (

    select
        jurisdiction_id,
        jurisdiction_id as top_level_jurisdiction_id,
        1 as hierarchy_level,
        jurisdiction_id as hierarchy_path
    from top_level

    union all

    -- a member nested in a member one level down (depth bounded: a cycle cannot loop)
    select
        children.jurisdiction_id,
        hierarchy.top_level_jurisdiction_id,
        hierarchy.hierarchy_level + 1 as hierarchy_level,
        hierarchy.hierarchy_path || ' > ' || children.jurisdiction_id as hierarchy_path
    from jurisdictions as children
    inner join hierarchy
        on children.parent_jurisdiction_id = hierarchy.jurisdiction_id
    where hierarchy.hierarchy_level < 10

),

final as (

    select
        jurisdictions.jurisdiction_id,
        jurisdictions.jurisdiction_name,
        jurisdictions.jurisdiction_type,
        jurisdictions.parent_jurisdiction_id,
        jurisdictions.state_code,
        jurisdictions.joined_date,
        jurisdictions.left_date,
        jurisdictions.small_cell_threshold,
        parents.jurisdiction_id is not null as is_nested,
        hierarchy.top_level_jurisdiction_id,
        cast(hierarchy.hierarchy_level as integer) as hierarchy_level,
        hierarchy.hierarchy_path,
        {{ federal_fiscal_year('jurisdictions.joined_date') }} as joined_fiscal_year,
        {{ federal_fiscal_year('jurisdictions.left_date') }} as left_fiscal_year

    from jurisdictions
    left join jurisdictions as parents
        on jurisdictions.parent_jurisdiction_id = parents.jurisdiction_id
    left join hierarchy
        on jurisdictions.jurisdiction_id = hierarchy.jurisdiction_id

)

select * from final
