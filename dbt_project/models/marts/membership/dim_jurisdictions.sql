with

jurisdictions as (

    select * from {{ ref('stg_reference__jurisdictions') }}

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
        parents.jurisdiction_id is not null as is_nested

    from jurisdictions
    left join jurisdictions as parents
        on jurisdictions.parent_jurisdiction_id = parents.jurisdiction_id

)

select * from final
