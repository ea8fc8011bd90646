-- One row per day from var calendar_start_date to var calendar_end_date: calendar and federal
-- fiscal periods in the forms the contract uses (quarters `YYYY-Qn`, fiscal years by end year).
with

days as (

    select cast(generate_series as date) as date_day
    from generate_series(
        cast('{{ var("calendar_start_date") }}' as date),
        cast('{{ var("calendar_end_date") }}' as date),
        interval 1 day
    )

),

periods as (

    select
        date_day,
        cast(year(date_day) as integer) as calendar_year,
        cast(quarter(date_day) as integer) as quarter_of_year,
        cast(month(date_day) as integer) as month_of_year,
        cast(day(date_day) as integer) as day_of_month,
        cast(isodow(date_day) as integer) as day_of_week,
        cast(dayofyear(date_day) as integer) as day_of_year,
        {{ federal_fiscal_year('date_day') }} as federal_fiscal_year,
        {{ federal_fiscal_quarter('date_day') }} as federal_fiscal_quarter

    from days

),

final as (

    select
        date_day,

        -- calendar year, quarter, month, week
        calendar_year,
        quarter_of_year,
        {{ calendar_quarter('date_day') }} as calendar_quarter,
        {{ quarter_start_date(calendar_quarter('date_day')) }} as quarter_start_date,
        {{ quarter_end_date(calendar_quarter('date_day')) }} as quarter_end_date,
        month_of_year,
        monthname(date_day) as month_name,
        strftime(date_day, '%Y-%m') as calendar_month,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        last_day(date_day) as month_end_date,
        day_of_month,
        day_of_year,
        day_of_week,
        dayname(date_day) as day_name,
        day_of_week >= 6 as is_weekend,
        date_day = last_day(date_day) as is_month_end,
        date_day = {{ quarter_end_date(calendar_quarter('date_day')) }} as is_quarter_end,
        month_of_year = 12 and day_of_month = 31 as is_year_end,

        -- federal fiscal year (October to September, named by the year it ends in)
        federal_fiscal_year,
        federal_fiscal_quarter,
        'FY' || cast(federal_fiscal_year as varchar) || '-Q' || cast(federal_fiscal_quarter as varchar)
            as federal_fiscal_quarter_label,
        {{ federal_fiscal_year_start_date('federal_fiscal_year') }} as federal_fiscal_year_start_date,
        {{ federal_fiscal_year_end_date('federal_fiscal_year') }} as federal_fiscal_year_end_date,
        month_of_year = 9 and day_of_month = 30 as is_federal_fiscal_year_end

    from periods

)

select * from final
