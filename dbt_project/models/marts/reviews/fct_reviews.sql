with

reviews as (

    select * from {{ ref('stg_raw__reviews') }}

),

reviews_themes as (

    select * from {{ ref('int_reviews_themes_aggregated') }}

),

final as (

    select
        reviews.review_key,
        reviews.jurisdiction_id,
        reviews.review_id,
        reviews.incident_type,
        reviews.cause_of_incident,
        reviews.maltreatment_type,
        reviews.incident_date,
        reviews.review_completed_date,
        {{ calendar_quarter('reviews.review_completed_date') }} as completed_quarter,
        {{ federal_fiscal_year('reviews.review_completed_date') }} as completed_fiscal_year,
        reviews.child_age_years,
        reviews.child_sex,
        reviews.race_ethnicity_codes,
        {{ reporting_race_ethnicity_group('reviews.race_ethnicity_codes') }}
            as reporting_race_ethnicity_group,
        reviews.open_case_at_incident,
        reviews.prior_reports_count,
        coalesce(reviews_themes.ios_count, 0) as ios_count,
        coalesce(reviews_themes.themes, cast([] as varchar [])) as themes,
        reviews.submission_id,
        reviews.source_row_number

    from reviews
    left join reviews_themes
        on reviews.review_key = reviews_themes.review_key

)

select * from final
