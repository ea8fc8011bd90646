-- Every record-level review crossed with every IO theme of the code list: whether the review has
-- at least one IO in the theme and how many. One review is one row per theme, so a count of rows
-- in a group of one theme is the number of reviews (the denominator of a theme share) and a count
-- of the rows with has_theme the number of reviews with >= 1 IO in the theme (the numerator).
with

reviews as (

    select * from {{ ref('stg_raw__reviews') }}

),

improvement_opportunities as (

    select * from {{ ref('stg_raw__improvement_opportunities') }}

),

io_themes as (

    select code as io_theme from {{ ref('io_theme') }}

),

ios_per_theme as (

    select
        review_key,
        io_theme,
        count(*) as ios_in_theme

    from improvement_opportunities
    group by review_key, io_theme

),

expanded as (

    select
        reviews.review_key,
        reviews.jurisdiction_id,
        reviews.review_completed_date,
        {{ calendar_quarter('reviews.review_completed_date') }} as period,
        reviews.incident_type,
        reviews.cause_of_incident,
        io_themes.io_theme,
        cast(coalesce(ios_per_theme.ios_in_theme, 0) as integer) as ios_in_theme

    from reviews
    cross join io_themes
    left join ios_per_theme
        on
            reviews.review_key = ios_per_theme.review_key
            and io_themes.io_theme = ios_per_theme.io_theme

),

final as (

    select
        review_key,
        jurisdiction_id,
        review_completed_date,
        period,
        {{ quarter_start_date('period') }} as period_start_date,
        {{ quarter_end_date('period') }} as period_end_date,
        incident_type,
        cause_of_incident,
        io_theme,
        ios_in_theme,
        ios_in_theme > 0 as has_theme

    from expanded

)

select * from final
