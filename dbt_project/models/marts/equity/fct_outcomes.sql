with

outcomes as (

    select * from {{ ref('stg_raw__outcomes') }}

),

final as (

    select
        outcome_key,
        jurisdiction_id,
        fiscal_year,
        race_ethnicity_group,
        child_population,
        children_investigated,
        victims,
        victims_with_recurrence,
        recurrence_window_months,
        entries_to_care,
        maltreatment_fatalities,
        near_fatalities,
        100000 * {{ safe_divide('maltreatment_fatalities', 'child_population') }}
            as fatality_rate_per_100k,
        100000 * {{ safe_divide('near_fatalities', 'child_population') }}
            as near_fatality_rate_per_100k,
        1000 * {{ safe_divide('victims', 'child_population') }} as victimization_rate_per_1000,
        1000 * {{ safe_divide('children_investigated', 'child_population') }}
            as investigation_rate_per_1000,
        1000 * {{ safe_divide('entries_to_care', 'child_population') }} as entry_rate_per_1000,
        {{ safe_divide('victims_with_recurrence', 'victims') }} as recurrence_rate,
        (
            maltreatment_fatalities + near_fatalities < {{ var('unreliable_rate_min_events') }}
            or victims < {{ var('unreliable_rate_min_events') }}
        ) as rate_is_unreliable

    from outcomes

)

select * from final
