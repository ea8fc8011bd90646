-- MetricFlow's time spine: one row per day, 2010-01-01 to 2040-12-31.
with

days as (

    select cast(range as date) as date_day
    from range(date '2010-01-01', date '2041-01-01', interval 1 day)

)

select * from days
