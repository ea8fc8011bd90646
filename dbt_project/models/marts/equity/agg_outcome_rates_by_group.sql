-- Partnership-wide outcome counts and rates per fiscal year and race/ethnicity group. A nested
-- jurisdiction (e.g. a county) is left out of a year when its parent jurisdiction is a member
-- that submitted outcomes for that year: the parent's counts already include its children.
with

outcomes as (

    select * from {{ ref('stg_raw__outcomes') }}

),

jurisdictions as (

    select * from {{ ref('stg_reference__jurisdictions') }}

),

submitted_years as (

    select distinct
        jurisdiction_id,
        fiscal_year

    from outcomes

),

counted_outcomes as (

    select outcomes.*

    from outcomes
    left join jurisdictions
        on outcomes.jurisdiction_id = jurisdictions.jurisdiction_id
    left join submitted_years as parent_submitted
        on
            jurisdictions.parent_jurisdiction_id = parent_submitted.jurisdiction_id
            and outcomes.fiscal_year = parent_submitted.fiscal_year
    where parent_submitted.jurisdiction_id is null

),

summed as (

    select
        fiscal_year,
        race_ethnicity_group,
        count(distinct jurisdiction_id) as jurisdictions_counted,
        sum(child_population) as child_population,
        sum(children_investigated) as children_investigated,
        sum(victims) as victims,
        sum(victims_with_recurrence) as victims_with_recurrence,
        sum(entries_to_care) as entries_to_care,
        sum(maltreatment_fatalities) as maltreatment_fatalities,
        sum(near_fatalities) as near_fatalities,
        min(recurrence_window_months) as min_recurrence_window_months,
        max(recurrence_window_months) as max_recurrence_window_months

    from counted_outcomes
    group by fiscal_year, race_ethnicity_group

),

rates as (

    select
        *,
        100000 * {{ safe_divide('maltreatment_fatalities', 'child_population') }}
            as fatality_rate_per_100k,
        100000 * {{ safe_divide('near_fatalities', 'child_population') }}
            as near_fatality_rate_per_100k,
        1000 * {{ safe_divide('victims', 'child_population') }} as victimization_rate_per_1000,
        1000 * {{ safe_divide('children_investigated', 'child_population') }}
            as investigation_rate_per_1000,
        1000 * {{ safe_divide('entries_to_care', 'child_population') }} as entry_rate_per_1000,
        {{ safe_divide('victims_with_recurrence', 'victims') }} as recurrence_rate

    from summed

),

totals as (

    select * from rates
    where race_ethnicity_group = 'all'

),

white as (

    select * from rates
    where race_ethnicity_group = 'white'

),

indexed as (

    select
        rates.*,
        -- disproportionality: group share at the decision point / group share of the population
        {{ safe_divide('rates.children_investigated', 'totals.children_investigated') }}
        / nullif({{ safe_divide('rates.child_population', 'totals.child_population') }}, 0)
            as disproportionality_index_investigated,
        {{ safe_divide('rates.victims', 'totals.victims') }}
        / nullif({{ safe_divide('rates.child_population', 'totals.child_population') }}, 0)
            as disproportionality_index_victims,
        {{ safe_divide('rates.entries_to_care', 'totals.entries_to_care') }}
        / nullif({{ safe_divide('rates.child_population', 'totals.child_population') }}, 0)
            as disproportionality_index_entries,
        -- disparity: group rate / White rate
        rates.victimization_rate_per_1000 / nullif(white.victimization_rate_per_1000, 0)
            as disparity_index_victims,
        rates.entry_rate_per_1000 / nullif(white.entry_rate_per_1000, 0)
            as disparity_index_entries

    from rates
    left join totals
        on rates.fiscal_year = totals.fiscal_year
    left join white
        on rates.fiscal_year = white.fiscal_year

),

final as (

    select
        cast(fiscal_year as varchar) || ':' || race_ethnicity_group as outcome_rate_key,
        fiscal_year,
        race_ethnicity_group,
        cast(jurisdictions_counted as integer) as jurisdictions_counted,
        cast(child_population as bigint) as child_population,
        cast(children_investigated as bigint) as children_investigated,
        cast(victims as bigint) as victims,
        cast(victims_with_recurrence as bigint) as victims_with_recurrence,
        case
            when min_recurrence_window_months = max_recurrence_window_months
                then min_recurrence_window_months
        end as recurrence_window_months,
        cast(entries_to_care as bigint) as entries_to_care,
        cast(maltreatment_fatalities as bigint) as maltreatment_fatalities,
        cast(near_fatalities as bigint) as near_fatalities,
        fatality_rate_per_100k,
        near_fatality_rate_per_100k,
        victimization_rate_per_1000,
        investigation_rate_per_1000,
        entry_rate_per_1000,
        recurrence_rate,
        disproportionality_index_investigated,
        disproportionality_index_victims,
        disproportionality_index_entries,
        disparity_index_victims,
        disparity_index_entries,
        (
            maltreatment_fatalities + near_fatalities < {{ var('unreliable_rate_min_events') }}
            or victims < {{ var('unreliable_rate_min_events') }}
        ) as rate_is_unreliable

    from indexed

)

select * from final
