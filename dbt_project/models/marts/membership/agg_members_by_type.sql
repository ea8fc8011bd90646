-- Members per federal fiscal year and jurisdiction type: at the start and end of the year, and
-- joining and leaving during it. A jurisdiction is a member on day d when
-- joined_date <= d and (left_date is null or left_date > d).
with

jurisdictions as (

    select * from {{ ref('dim_jurisdictions') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

jurisdiction_types as (

    select code as jurisdiction_type
    from {{ ref('dim_codes') }}
    where code_list = 'jurisdiction_type'

),

first_fiscal_year as (

    select min(joined_fiscal_year) as fiscal_year
    from jurisdictions

),

fiscal_years as (

    -- fiscal years the calendar covers whole
    select
        federal_fiscal_year as fiscal_year,
        min(date_day) as fiscal_year_start_date,
        max(date_day) as fiscal_year_end_date

    from calendar
    group by federal_fiscal_year
    having
        min(date_day) = min(federal_fiscal_year_start_date)
        and max(date_day) = max(federal_fiscal_year_end_date)

),

grid as (

    -- every jurisdiction type in every fiscal year from the first year anyone joined
    select
        fiscal_years.fiscal_year,
        fiscal_years.fiscal_year_start_date,
        fiscal_years.fiscal_year_end_date,
        jurisdiction_types.jurisdiction_type

    from fiscal_years
    inner join first_fiscal_year
        on fiscal_years.fiscal_year >= first_fiscal_year.fiscal_year
    cross join jurisdiction_types

),

membership_flags as (

    -- one row per fiscal year, type and jurisdiction of the type (a type without any: one row of nulls)
    select
        grid.fiscal_year,
        grid.jurisdiction_type,
        grid.fiscal_year_start_date,
        grid.fiscal_year_end_date,
        coalesce(
            jurisdictions.joined_date < grid.fiscal_year_start_date
            and coalesce(jurisdictions.left_date >= grid.fiscal_year_start_date, true),
            false
        ) as is_member_at_start,
        coalesce(
            jurisdictions.joined_date between grid.fiscal_year_start_date and grid.fiscal_year_end_date,
            false
        ) as joined_in_year,
        coalesce(
            jurisdictions.left_date between grid.fiscal_year_start_date and grid.fiscal_year_end_date,
            false
        ) as left_in_year,
        coalesce(
            jurisdictions.joined_date <= grid.fiscal_year_end_date
            and coalesce(jurisdictions.left_date > grid.fiscal_year_end_date, true),
            false
        ) as is_member_at_end,
        coalesce(jurisdictions.is_nested, false) as is_nested

    from grid
    left join jurisdictions
        on grid.jurisdiction_type = jurisdictions.jurisdiction_type

),

counted as (

    select
        fiscal_year,
        jurisdiction_type,
        fiscal_year_start_date,
        fiscal_year_end_date,
        count_if(is_member_at_start) as members_at_start,
        count_if(joined_in_year) as members_joined,
        count_if(left_in_year) as members_left,
        count_if(is_member_at_end) as members_at_end,
        count_if(is_member_at_end and is_nested) as nested_members_at_end

    from membership_flags
    group by
        fiscal_year,
        jurisdiction_type,
        fiscal_year_start_date,
        fiscal_year_end_date

),

final as (

    select
        cast(fiscal_year as varchar) || ':' || jurisdiction_type as members_by_type_key,
        fiscal_year,
        jurisdiction_type,
        fiscal_year_start_date,
        fiscal_year_end_date,
        cast(members_at_start as integer) as members_at_start,
        cast(members_joined as integer) as members_joined,
        cast(members_left as integer) as members_left,
        cast(members_at_end as integer) as members_at_end,
        cast(nested_members_at_end as integer) as nested_members_at_end

    from counted

)

select * from final
