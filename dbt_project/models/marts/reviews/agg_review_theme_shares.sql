-- Partnership share of reviews with at least one IO in a theme, per quarter and incident type,
-- each row with the denominator it is built on and which reviews that denominator covers:
--   record_level_reviews       reviews submitted record by record only;
--   record_and_summary_reviews those plus the review-summary counts of aggregate-only members.
-- Every theme of the code list has a row for every quarter and incident type with reviews in the
-- scope (zeros included), so numerators and denominators can be summed over quarters and
-- incident types of one scope and theme.
with

review_themes as (

    select * from {{ ref('int_reviews__review_themes_expanded') }}

),

review_summary as (

    select * from {{ ref('stg_raw__review_summary') }}

),

io_themes as (

    select code as io_theme from {{ ref('io_theme') }}

),

record_units as (

    select
        'record' as source,
        jurisdiction_id,
        period,
        period_start_date,
        period_end_date,
        incident_type,
        io_theme,
        count(*) as reviews_in_scope,
        count(*) filter (where has_theme) as reviews_with_theme,
        sum(ios_in_theme) as ios_in_theme

    from review_themes
    group by all

),

summary_reviews as (

    -- reviews_completed repeats on every theme row of one quarter and incident type: take it once
    select
        jurisdiction_id,
        period,
        period_start_date,
        period_end_date,
        incident_type,
        max(reviews_completed) as reviews_completed

    from review_summary
    group by all

),

summary_units as (

    -- a theme the summary does not list for a quarter and incident type had no IOs there
    select
        'summary' as source,
        summary_reviews.jurisdiction_id,
        summary_reviews.period,
        summary_reviews.period_start_date,
        summary_reviews.period_end_date,
        summary_reviews.incident_type,
        io_themes.io_theme,
        summary_reviews.reviews_completed as reviews_in_scope,
        coalesce(review_summary.reviews_with_theme, 0) as reviews_with_theme,
        coalesce(review_summary.ios_identified, 0) as ios_in_theme

    from summary_reviews
    cross join io_themes
    left join review_summary
        on
            summary_reviews.jurisdiction_id = review_summary.jurisdiction_id
            and summary_reviews.period = review_summary.period
            and summary_reviews.incident_type = review_summary.incident_type
            and io_themes.io_theme = review_summary.io_theme

),

units as (

    select * from record_units
    union all
    select * from summary_units

),

scoped as (

    select
        'record_level_reviews' as denominator_scope,
        *
    from units
    where source = 'record'

    union all

    select
        'record_and_summary_reviews' as denominator_scope,
        *
    from units

),

summed as (

    select
        denominator_scope,
        period,
        period_start_date,
        period_end_date,
        incident_type,
        io_theme,
        count(distinct jurisdiction_id) filter (where reviews_in_scope > 0) as jurisdictions_counted,
        sum(reviews_in_scope) as reviews_in_scope,
        coalesce(sum(reviews_in_scope) filter (where source = 'summary'), 0) as reviews_from_summaries,
        sum(reviews_with_theme) as reviews_with_theme,
        sum(ios_in_theme) as ios_in_theme

    from scoped
    group by all

),

final as (

    select
        {{ text_key(['denominator_scope', 'period', 'incident_type', 'io_theme']) }}
            as review_theme_share_key,
        denominator_scope,
        period,
        period_start_date,
        period_end_date,
        incident_type,
        io_theme,
        cast(jurisdictions_counted as integer) as jurisdictions_counted,
        cast(reviews_in_scope as integer) as reviews_in_scope,
        cast(reviews_from_summaries as integer) as reviews_from_summaries,
        cast(reviews_with_theme as integer) as reviews_with_theme,
        cast(ios_in_theme as integer) as ios_in_theme,
        100 * {{ safe_divide('reviews_with_theme', 'reviews_in_scope') }} as pct_reviews_with_theme

    from summed
    where reviews_in_scope > 0

)

select * from final
