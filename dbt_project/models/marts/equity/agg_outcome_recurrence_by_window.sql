-- Partnership recurrence split by recurrence window: a 12-month and a 6-month rate are different
-- measures, so each window gets its own row and no rate mixes them. Nested jurisdictions whose
-- ancestor submitted the same year are left out, as in agg_outcome_rates_by_group.
{%- set min_events = var('unreliable_rate_min_events') %}
with

outcomes as (

    select * from {{ ref('int_equity__outcomes_nesting_flagged') }}
    where is_counted_in_partnership

),

summed as (

    select
        fiscal_year,
        race_ethnicity_group,
        recurrence_window_months,
        count(distinct jurisdiction_id) as jurisdictions_counted,
        sum(victims) as victims,
        sum(victims_with_recurrence) as victims_with_recurrence

    from outcomes
    group by fiscal_year, race_ethnicity_group, recurrence_window_months

),

final as (

    select
        {{ text_key(['fiscal_year', 'race_ethnicity_group', 'recurrence_window_months']) }}
            as outcome_recurrence_key,
        fiscal_year,
        race_ethnicity_group,
        recurrence_window_months,
        cast(jurisdictions_counted as integer) as jurisdictions_counted,
        cast(victims as bigint) as victims,
        cast(victims_with_recurrence as bigint) as victims_with_recurrence,
        {{ safe_divide('victims_with_recurrence', 'victims') }} as recurrence_rate,
        victims_with_recurrence < {{ min_events }} as recurrence_rate_is_unreliable

    from summed

)

select * from final
