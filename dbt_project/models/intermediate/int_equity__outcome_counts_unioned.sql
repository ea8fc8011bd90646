-- Outcome counts per geography (one jurisdiction, or the partnership), fiscal year and
-- race/ethnicity group, in one shape so every rate is defined once (int_equity__outcome_rates_computed).
-- Partnership rows sum the rows counted in the partnership (nested jurisdictions whose ancestor
-- submitted the same year left out). Recurrence is never mixed across windows: a partnership row
-- takes recurrence only from jurisdictions measuring the standard window
-- (var recurrence_standard_window_months) and counts the others it leaves out.
with

outcomes as (

    select * from {{ ref('int_equity__outcomes_nesting_flagged') }}

),

jurisdiction_rows as (

    select
        'jurisdiction' as geography_level,
        jurisdiction_id,
        fiscal_year,
        race_ethnicity_group,
        is_counted_in_partnership,
        counted_within_jurisdiction_id,
        1 as jurisdictions_counted,
        child_population,
        children_investigated,
        victims,
        entries_to_care,
        maltreatment_fatalities,
        near_fatalities,
        recurrence_window_months,
        victims as recurrence_victims,
        victims_with_recurrence,
        0 as recurrence_jurisdictions_excluded

    from outcomes

),

partnership_rows as (

    select
        'partnership' as geography_level,
        cast(null as varchar) as jurisdiction_id,
        fiscal_year,
        race_ethnicity_group,
        cast(null as boolean) as is_counted_in_partnership,
        cast(null as varchar) as counted_within_jurisdiction_id,
        count(distinct jurisdiction_id) as jurisdictions_counted,
        sum(child_population) as child_population,
        sum(children_investigated) as children_investigated,
        sum(victims) as victims,
        sum(entries_to_care) as entries_to_care,
        sum(maltreatment_fatalities) as maltreatment_fatalities,
        sum(near_fatalities) as near_fatalities,
        {{ var('recurrence_standard_window_months') }} as recurrence_window_months,
        coalesce(
            sum(victims) filter (
                where recurrence_window_months = {{ var('recurrence_standard_window_months') }}
            ),
            0
        ) as recurrence_victims,
        coalesce(
            sum(victims_with_recurrence) filter (
                where recurrence_window_months = {{ var('recurrence_standard_window_months') }}
            ),
            0
        ) as victims_with_recurrence,
        count(distinct jurisdiction_id) filter (
            where recurrence_window_months is distinct from {{ var('recurrence_standard_window_months') }}
        ) as recurrence_jurisdictions_excluded

    from outcomes
    where is_counted_in_partnership
    group by fiscal_year, race_ethnicity_group

),

unioned as (

    select * from jurisdiction_rows
    union all
    select * from partnership_rows

),

final as (

    select
        geography_level,
        jurisdiction_id,
        fiscal_year,
        race_ethnicity_group,
        is_counted_in_partnership,
        counted_within_jurisdiction_id,
        cast(jurisdictions_counted as integer) as jurisdictions_counted,
        cast(child_population as bigint) as child_population,
        cast(children_investigated as bigint) as children_investigated,
        cast(victims as bigint) as victims,
        cast(entries_to_care as bigint) as entries_to_care,
        cast(maltreatment_fatalities as bigint) as maltreatment_fatalities,
        cast(near_fatalities as bigint) as near_fatalities,
        cast(recurrence_window_months as integer) as recurrence_window_months,
        cast(recurrence_victims as bigint) as recurrence_victims,
        cast(victims_with_recurrence as bigint) as victims_with_recurrence,
        cast(recurrence_jurisdictions_excluded as integer) as recurrence_jurisdictions_excluded

    from unioned

)

select * from final
