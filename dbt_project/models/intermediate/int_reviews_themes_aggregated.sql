-- Per review that has improvement opportunities: how many, and the distinct themes present.
with

improvement_opportunities as (

    select * from {{ ref('stg_raw__improvement_opportunities') }}

),

aggregated as (

    select
        review_key,
        cast(count(*) as integer) as ios_count,
        list_sort(list_distinct(list(io_theme))) as themes

    from improvement_opportunities
    group by review_key

)

select * from aggregated
