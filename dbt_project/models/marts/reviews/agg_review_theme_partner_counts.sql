-- IOs and reviews per theme and partner agency, per quarter, for record-level reviews (partner
-- agencies are not in the review summaries). Every quarter with reviews has a row for every
-- theme and every partner agency of the code list plus null (IOs naming no partner), zeros
-- included, so counts and denominators can be summed over quarters within one theme and partner.
with

review_themes as (

    select * from {{ ref('int_reviews__review_themes_expanded') }}

),

improvement_opportunities as (

    select * from {{ ref('int_improvement_opportunities_joined') }}

),

partner_agencies as (

    select code as partner_agency from {{ ref('partner_agency') }}
    union all
    select cast(null as varchar) as partner_agency

),

theme_totals as (

    select
        period,
        period_start_date,
        period_end_date,
        io_theme,
        count(distinct jurisdiction_id) as jurisdictions_counted,
        count(*) as reviews_in_scope,
        count(*) filter (where has_theme) as reviews_with_theme,
        sum(ios_in_theme) as ios_in_theme

    from review_themes
    group by all

),

cells as (

    select
        {{ calendar_quarter('review_completed_date') }} as period,
        io_theme,
        partner_agency,
        count(*) as ios_with_partner,
        count(distinct review_key) as reviews_with_theme_and_partner

    from improvement_opportunities
    -- an IO whose review is missing has no quarter; fct_improvement_opportunities' relationship
    -- test reports it
    where review_completed_date is not null
    group by all

),

grid as (

    select
        theme_totals.*,
        partner_agencies.partner_agency,
        coalesce(cells.ios_with_partner, 0) as ios_with_partner,
        coalesce(cells.reviews_with_theme_and_partner, 0) as reviews_with_theme_and_partner

    from theme_totals
    cross join partner_agencies
    left join cells
        on
            theme_totals.period = cells.period
            and theme_totals.io_theme = cells.io_theme
            and partner_agencies.partner_agency is not distinct from cells.partner_agency

),

final as (

    select
        {{ text_key(['period', 'io_theme', 'partner_agency']) }} as review_theme_partner_count_key,
        'record_level_reviews' as denominator_scope,
        period,
        period_start_date,
        period_end_date,
        io_theme,
        partner_agency,
        cast(ios_with_partner as integer) as ios_with_partner,
        cast(reviews_with_theme_and_partner as integer) as reviews_with_theme_and_partner,
        cast(ios_in_theme as integer) as ios_in_theme,
        cast(reviews_with_theme as integer) as reviews_with_theme,
        cast(jurisdictions_counted as integer) as jurisdictions_counted,
        cast(reviews_in_scope as integer) as reviews_in_scope,
        100 * {{ safe_divide('ios_with_partner', 'ios_in_theme') }} as pct_theme_ios_with_partner,
        100 * {{ safe_divide('reviews_with_theme_and_partner', 'reviews_with_theme') }}
            as pct_theme_reviews_with_partner,
        100 * {{ safe_divide('reviews_with_theme_and_partner', 'reviews_in_scope') }}
            as pct_reviews_with_theme_and_partner

    from grid

)

select * from final
