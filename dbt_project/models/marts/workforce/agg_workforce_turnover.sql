-- Staff turnover per jurisdiction, quarter and role, and for all roles together (role 'all'):
-- quarterly, annualised (x 4) and over the trailing four quarters, against the healthy benchmark.
{%- set healthy_max = var('turnover_healthy_max_rate') %}
{%- set borderline_max = var('turnover_borderline_max_rate') %}
with

quarters as (

    select * from {{ ref('fct_workforce_quarters') }}

),

by_role as (

    select
        jurisdiction_id,
        period,
        period_start_date,
        period_end_date,
        role,
        1 as roles_counted,
        headcount_start,
        headcount_end,
        hires,
        separations_voluntary,
        separations_involuntary,
        separations,
        average_headcount

    from quarters

),

all_roles as (

    select
        jurisdiction_id,
        period,
        period_start_date,
        period_end_date,
        'all' as role,  -- noqa: RF04
        count(*) as roles_counted,
        sum(headcount_start) as headcount_start,
        sum(headcount_end) as headcount_end,
        sum(hires) as hires,
        sum(separations_voluntary) as separations_voluntary,
        sum(separations_involuntary) as separations_involuntary,
        sum(separations) as separations,
        sum(average_headcount) as average_headcount

    from quarters
    group by jurisdiction_id, period, period_start_date, period_end_date

),

unioned as (

    select * from by_role
    union all
    select * from all_roles

),

numbered as (

    -- quarters counted from year 0, so consecutive quarters differ by 1 across a year end
    select
        *,
        year(period_start_date) * 4 + quarter(period_start_date) - 1 as quarter_number

    from unioned

),

trailing_windows as (

    -- the window is the four calendar quarters ending with this one: a quarter that was not
    -- submitted leaves a gap (trailing_quarters < 4) and is not replaced by an older one
    select
        *,
        count(*) over trailing_four_quarters as trailing_quarters,
        sum(separations) over trailing_four_quarters as trailing_separations,
        avg(average_headcount) over trailing_four_quarters as trailing_average_headcount

    from numbered
    window trailing_four_quarters as (
        partition by jurisdiction_id, role
        order by quarter_number
        range between 3 preceding and current row
    )

),

rates as (

    select
        *,
        {{ safe_divide('separations', 'average_headcount') }} as quarterly_turnover_rate,
        4 * {{ safe_divide('separations', 'average_headcount') }} as annualised_turnover_rate,
        case
            when trailing_quarters = 4
                then {{ safe_divide('trailing_separations', 'trailing_average_headcount') }}
        end as annual_turnover_rate

    from trailing_windows

),

final as (

    select
        {{ text_key(['jurisdiction_id', 'period', 'role']) }} as workforce_turnover_key,
        jurisdiction_id,
        period,
        period_start_date,
        period_end_date,
        role,
        cast(roles_counted as integer) as roles_counted,
        cast(headcount_start as integer) as headcount_start,
        cast(headcount_end as integer) as headcount_end,
        cast(hires as integer) as hires,
        cast(separations_voluntary as integer) as separations_voluntary,
        cast(separations_involuntary as integer) as separations_involuntary,
        cast(separations as integer) as separations,
        cast(average_headcount as double) as average_headcount,
        quarterly_turnover_rate,
        annualised_turnover_rate,
        cast(trailing_quarters as integer) as trailing_quarters,
        cast(trailing_separations as integer) as trailing_separations,
        cast(trailing_average_headcount as double) as trailing_average_headcount,
        annual_turnover_rate,
        -- compared on the rate rounded to 6 decimals, so a rate that is exactly a cut point in
        -- decimal arithmetic is not moved across it by floating-point error
        case
            when round(annual_turnover_rate, 6) < cast({{ healthy_max }} as double) then 'healthy'
            when round(annual_turnover_rate, 6) <= cast({{ borderline_max }} as double) then 'borderline'
            when annual_turnover_rate is not null then 'high'
        end as turnover_benchmark_band

    from rates

)

select * from final
