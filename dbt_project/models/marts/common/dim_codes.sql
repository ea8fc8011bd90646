with

codes as (

    select * from {{ ref('stg_reference__codes') }}

),

final as (

    select
        code_key,
        code_list,
        code,
        label,
        cast(sort_order as integer) as sort_order

    from codes

)

select * from final
