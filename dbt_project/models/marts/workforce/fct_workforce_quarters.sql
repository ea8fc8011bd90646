with

workforce as (

    select * from {{ ref('stg_raw__workforce') }}

),

counts as (

    select
        *,
        separations_voluntary + separations_involuntary as separations,
        (headcount_start + headcount_end) / 2.0 as average_headcount

    from workforce

),

final as (

    select
        workforce_quarter_key,
        jurisdiction_id,
        period,
        period_start_date,
        period_end_date,
        role,
        headcount_start,
        headcount_end,
        hires,
        separations_voluntary,
        separations_involuntary,
        separations,
        vacancies,
        average_headcount,
        {{ safe_divide('separations', 'average_headcount') }} as quarterly_turnover_rate,
        4 * {{ safe_divide('separations', 'average_headcount') }} as annualised_turnover_rate

    from counts

)

select * from final
