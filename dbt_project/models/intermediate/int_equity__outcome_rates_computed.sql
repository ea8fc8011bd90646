-- Every outcome rate, its reliability flag, the fatality rates pooled over several fiscal years,
-- and the disproportionality and disparity indices at each decision point, for jurisdictions and
-- the partnership alike (one definition; fct_outcomes and agg_outcome_rates_by_group select
-- their geography level).
{%- set min_events = var('unreliable_rate_min_events') %}
with

outcome_counts as (

    select * from {{ ref('int_equity__outcome_counts_unioned') }}

),

pooled_sums as (

    -- fatality counts are small: pool the fiscal years from fiscal_year - (N - 1) to fiscal_year
    -- (N = var fatality_pooling_years) of the same geography and group; a missing year is simply
    -- not in the pool
    select
        outcome_counts.geography_level,
        outcome_counts.jurisdiction_id,
        outcome_counts.fiscal_year,
        outcome_counts.race_ethnicity_group,
        count(*) as pooled_fiscal_years,
        sum(pool_years.maltreatment_fatalities) as pooled_maltreatment_fatalities,
        sum(pool_years.near_fatalities) as pooled_near_fatalities,
        sum(pool_years.child_population) as pooled_child_population

    from outcome_counts
    inner join outcome_counts as pool_years
        on
            outcome_counts.geography_level = pool_years.geography_level
            and outcome_counts.jurisdiction_id is not distinct from pool_years.jurisdiction_id
            and outcome_counts.race_ethnicity_group = pool_years.race_ethnicity_group
            and pool_years.fiscal_year
            between outcome_counts.fiscal_year - ({{ var('fatality_pooling_years') }} - 1)
            and outcome_counts.fiscal_year
    group by
        outcome_counts.geography_level,
        outcome_counts.jurisdiction_id,
        outcome_counts.fiscal_year,
        outcome_counts.race_ethnicity_group

),

pooled as (

    select
        outcome_counts.*,
        outcome_counts.fiscal_year - ({{ var('fatality_pooling_years') }} - 1) as pooled_from_fiscal_year,
        pooled_sums.pooled_fiscal_years,
        pooled_sums.pooled_maltreatment_fatalities,
        pooled_sums.pooled_near_fatalities,
        pooled_sums.pooled_child_population

    from outcome_counts
    inner join pooled_sums
        on
            outcome_counts.geography_level = pooled_sums.geography_level
            and outcome_counts.jurisdiction_id is not distinct from pooled_sums.jurisdiction_id
            and outcome_counts.fiscal_year = pooled_sums.fiscal_year
            and outcome_counts.race_ethnicity_group = pooled_sums.race_ethnicity_group

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
        {{ safe_divide('victims_with_recurrence', 'recurrence_victims') }} as recurrence_rate,
        100000 * {{ safe_divide('pooled_maltreatment_fatalities', 'pooled_child_population') }}
            as pooled_fatality_rate_per_100k,
        100000 * {{ safe_divide('pooled_near_fatalities', 'pooled_child_population') }}
            as pooled_near_fatality_rate_per_100k

    from pooled

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
        -- disproportionality: the group's share of children at the decision point / its share
        -- of the child population (1.0 = proportional)
        {{ safe_divide('rates.children_investigated', 'totals.children_investigated') }}
        / nullif({{ safe_divide('rates.child_population', 'totals.child_population') }}, 0)
            as disproportionality_index_investigated,
        {{ safe_divide('rates.victims', 'totals.victims') }}
        / nullif({{ safe_divide('rates.child_population', 'totals.child_population') }}, 0)
            as disproportionality_index_victims,
        {{ safe_divide('rates.entries_to_care', 'totals.entries_to_care') }}
        / nullif({{ safe_divide('rates.child_population', 'totals.child_population') }}, 0)
            as disproportionality_index_entries,
        {{ safe_divide('rates.pooled_maltreatment_fatalities', 'totals.pooled_maltreatment_fatalities') }}
        / nullif(
            {{ safe_divide('rates.pooled_child_population', 'totals.pooled_child_population') }}, 0
        ) as disproportionality_index_fatalities,
        -- disparity: the group's rate / the White rate (1.0 = same rate as White children)
        rates.investigation_rate_per_1000 / nullif(white.investigation_rate_per_1000, 0)
            as disparity_index_investigated,
        rates.victimization_rate_per_1000 / nullif(white.victimization_rate_per_1000, 0)
            as disparity_index_victims,
        rates.entry_rate_per_1000 / nullif(white.entry_rate_per_1000, 0) as disparity_index_entries,
        rates.pooled_fatality_rate_per_100k / nullif(white.pooled_fatality_rate_per_100k, 0)
            as disparity_index_fatalities,
        coalesce(white.children_investigated, 0) as white_children_investigated,
        coalesce(white.victims, 0) as white_victims,
        coalesce(white.entries_to_care, 0) as white_entries_to_care,
        coalesce(white.pooled_maltreatment_fatalities, 0) as white_pooled_maltreatment_fatalities

    from rates
    left join totals
        on
            rates.geography_level = totals.geography_level
            and rates.jurisdiction_id is not distinct from totals.jurisdiction_id
            and rates.fiscal_year = totals.fiscal_year
    left join white
        on
            rates.geography_level = white.geography_level
            and rates.jurisdiction_id is not distinct from white.jurisdiction_id
            and rates.fiscal_year = white.fiscal_year

),

final as (

    select
        geography_level,
        jurisdiction_id,
        fiscal_year,
        race_ethnicity_group,
        is_counted_in_partnership,
        counted_within_jurisdiction_id,
        jurisdictions_counted,
        child_population,
        children_investigated,
        victims,
        entries_to_care,
        maltreatment_fatalities,
        near_fatalities,
        recurrence_window_months,
        recurrence_victims,
        victims_with_recurrence,
        recurrence_jurisdictions_excluded,
        fatality_rate_per_100k,
        near_fatality_rate_per_100k,
        victimization_rate_per_1000,
        investigation_rate_per_1000,
        entry_rate_per_1000,
        recurrence_rate,
        -- one reliability flag per rate, on the count the rate is built on
        maltreatment_fatalities < {{ min_events }} as fatality_rate_is_unreliable,
        near_fatalities < {{ min_events }} as near_fatality_rate_is_unreliable,
        victims < {{ min_events }} as victimization_rate_is_unreliable,
        children_investigated < {{ min_events }} as investigation_rate_is_unreliable,
        entries_to_care < {{ min_events }} as entry_rate_is_unreliable,
        victims_with_recurrence < {{ min_events }} as recurrence_rate_is_unreliable,
        cast(pooled_from_fiscal_year as integer) as pooled_from_fiscal_year,
        cast(pooled_fiscal_years as integer) as pooled_fiscal_years,
        cast(pooled_maltreatment_fatalities as bigint) as pooled_maltreatment_fatalities,
        cast(pooled_near_fatalities as bigint) as pooled_near_fatalities,
        cast(pooled_child_population as bigint) as pooled_child_population,
        pooled_fatality_rate_per_100k,
        pooled_near_fatality_rate_per_100k,
        pooled_maltreatment_fatalities < {{ min_events }} as pooled_fatality_rate_is_unreliable,
        pooled_near_fatalities < {{ min_events }} as pooled_near_fatality_rate_is_unreliable,
        disproportionality_index_investigated,
        disproportionality_index_victims,
        disproportionality_index_entries,
        disproportionality_index_fatalities,
        disparity_index_investigated,
        disparity_index_victims,
        disparity_index_entries,
        disparity_index_fatalities,
        -- an index is unreliable when the group's or the White group's count is small
        (
            children_investigated < {{ min_events }}
            or white_children_investigated < {{ min_events }}
        ) as index_investigated_is_unreliable,
        (victims < {{ min_events }} or white_victims < {{ min_events }}) as index_victims_is_unreliable,
        (
            entries_to_care < {{ min_events }}
            or white_entries_to_care < {{ min_events }}
        ) as index_entries_is_unreliable,
        (
            pooled_maltreatment_fatalities < {{ min_events }}
            or white_pooled_maltreatment_fatalities < {{ min_events }}
        ) as index_fatalities_is_unreliable

    from indexed

)

select * from final
