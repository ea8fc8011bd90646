-- Share of the record-level reviews of each cause of incident with at least one IO in a theme,
-- per quarter. Causes exist only on record-level reviews (review summaries carry none), so the
-- denominator is always the record-level reviews of the cause. Every theme has a row for every
-- quarter and cause with reviews (zeros included): sum over quarters within one cause and theme.
with

review_themes as (

    select * from {{ ref('int_reviews__review_themes_expanded') }}

),

summed as (

    select
        period,
        period_start_date,
        period_end_date,
        cause_of_incident,
        io_theme,
        count(distinct jurisdiction_id) as jurisdictions_counted,
        count(*) as reviews_in_scope,
        count(*) filter (where has_theme) as reviews_with_theme,
        sum(ios_in_theme) as ios_in_theme

    from review_themes
    group by all

),

final as (

    select
        {{ text_key(['period', 'cause_of_incident', 'io_theme']) }} as review_theme_cause_share_key,
        'record_level_reviews' as denominator_scope,
        period,
        period_start_date,
        period_end_date,
        cause_of_incident,
        io_theme,
        cast(jurisdictions_counted as integer) as jurisdictions_counted,
        cast(reviews_in_scope as integer) as reviews_in_scope,
        cast(reviews_with_theme as integer) as reviews_with_theme,
        cast(ios_in_theme as integer) as ios_in_theme,
        100 * {{ safe_divide('reviews_with_theme', 'reviews_in_scope') }} as pct_reviews_with_theme

    from summed

)

select * from final
