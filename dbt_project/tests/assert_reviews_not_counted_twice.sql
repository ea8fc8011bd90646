{{ config(severity='warn') }}
-- A jurisdiction should not report the same quarter both record by record and in the review
-- summary: agg_review_counts would count those reviews twice.
with

counts as (

    select
        jurisdiction_id,
        source,
        {{ calendar_quarter('counted_on') }} as counted_quarter
    from {{ ref('agg_review_counts') }}

)

select
    jurisdiction_id,
    counted_quarter
from counts
group by jurisdiction_id, counted_quarter
having count(distinct source) > 1
