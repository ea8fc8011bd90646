-- One row per jurisdiction, fiscal year and race/ethnicity group: the submitted counts and every
-- rate on the jurisdiction's own population (definitions in int_equity__outcome_rates_computed).
with

outcome_rates as (

    select * from {{ ref('int_equity__outcome_rates_computed') }}
    where geography_level = 'jurisdiction'

),

final as (

    select
        jurisdiction_id || ':' || cast(fiscal_year as varchar) || ':' || race_ethnicity_group
            as outcome_key,
        jurisdiction_id,
        fiscal_year,
        race_ethnicity_group,
        cast(child_population as integer) as child_population,
        cast(children_investigated as integer) as children_investigated,
        cast(victims as integer) as victims,
        cast(victims_with_recurrence as integer) as victims_with_recurrence,
        recurrence_window_months,
        cast(entries_to_care as integer) as entries_to_care,
        cast(maltreatment_fatalities as integer) as maltreatment_fatalities,
        cast(near_fatalities as integer) as near_fatalities,
        fatality_rate_per_100k,
        near_fatality_rate_per_100k,
        victimization_rate_per_1000,
        investigation_rate_per_1000,
        entry_rate_per_1000,
        recurrence_rate,
        is_counted_in_partnership,
        counted_within_jurisdiction_id,
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
        disproportionality_index_investigated,
        disproportionality_index_victims,
        disproportionality_index_entries,
        disproportionality_index_fatalities,
        disparity_index_investigated,
        disparity_index_victims,
        disparity_index_entries,
        disparity_index_fatalities,
        index_investigated_is_unreliable,
        index_victims_is_unreliable,
        index_entries_is_unreliable,
        index_fatalities_is_unreliable

    from outcome_rates

)

select * from final
