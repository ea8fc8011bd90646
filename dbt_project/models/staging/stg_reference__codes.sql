-- Every code list seed (seeds/code_lists/<list>.csv) in one relation. The lists are named in
-- macro code_lists_unioned() (macros/code_lists.sql), which fails this model when a seed of
-- seeds/code_lists/ is missing there.
with

unioned as (

    {{ code_lists_unioned() }}

),

renamed as (

    select
        code_list || ':' || code as code_key,
        code_list,
        code,
        label,
        sort_order

    from unioned

)

select * from renamed
