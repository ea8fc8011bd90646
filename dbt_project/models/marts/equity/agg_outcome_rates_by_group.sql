-- Partnership-wide outcome counts and rates per fiscal year and race/ethnicity group. A nested
-- jurisdiction (e.g. a county) is left out of a year when an ancestor jurisdiction is a member
-- that submitted outcomes for that year: the ancestor's counts already include its children
-- (int_equity__outcomes_nesting_flagged). Recurrence only from members using the standard window.
with

outcome_rates as (

    select * from {{ ref('int_equity__outcome_rates_computed') }}
    where geography_level = 'partnership'

),

final as (

    select
        cast(fiscal_year as varchar) || ':' || race_ethnicity_group as outcome_rate_key,
        fiscal_year,
        race_ethnicity_group,
        jurisdictions_counted,
        child_population,
        children_investigated,
        victims,
        victims_with_recurrence,
        recurrence_window_months,
        entries_to_care,
        maltreatment_fatalities,
        near_fatalities,
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
        recurrence_victims,
        recurrence_jurisdictions_excluded,
        fatality_rate_is_unreliable,
        near_fatality_rate_is_unreliable,
        victimization_rate_is_unreliable,
        investigation_rate_is_unreliable,
        entry_rate_is_unreliable,
        recurrence_rate_is_unreliable,
        pooled_from_fiscal_year,
        pooled_fiscal_years,
        pooled_maltreatment_fatalities,
        pooled_near_fatalities,
        pooled_child_population,
        pooled_fatality_rate_per_100k,
        pooled_near_fatality_rate_per_100k,
        pooled_fatality_rate_is_unreliable,
        pooled_near_fatality_rate_is_unreliable,
        disproportionality_index_fatalities,
        disparity_index_investigated,
        disparity_index_fatalities,
        index_investigated_is_unreliable,
        index_victims_is_unreliable,
        index_entries_is_unreliable,
        index_fatalities_is_unreliable

    from outcome_rates

)

select * from final
