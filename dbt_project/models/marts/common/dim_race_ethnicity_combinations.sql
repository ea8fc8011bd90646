-- One row per combination of race/ethnicity codes: every combination submitted for a child in
-- a review, and every single code. The reporting group comes from the one hierarchy macro; the
-- 1997 and 2024 groups from the standards seed. "unknown" next to known codes is ignored.
with

reviews as (

    select * from {{ ref('stg_raw__reviews') }}

),

codes as (

    select * from {{ ref('stg_reference__codes') }}
    where code_list = 'race_ethnicity'

),

standards as (

    select * from {{ ref('stg_reference__race_ethnicity_standards') }}

),

combination_lists as (

    select distinct race_ethnicity_codes
    from reviews
    where len(race_ethnicity_codes) > 0

    union

    select [code] as race_ethnicity_codes
    from codes

),

combinations as (

    select
        array_to_string(race_ethnicity_codes, ';') as race_ethnicity_combination,
        race_ethnicity_codes

    from combination_lists

),

combination_codes as (

    select
        race_ethnicity_combination,
        unnest(race_ethnicity_codes) as race_ethnicity_code

    from combinations

),

mapped as (

    select
        combination_codes.race_ethnicity_combination,
        combination_codes.race_ethnicity_code,
        combination_codes.race_ethnicity_code <> 'unknown' as is_known,
        standards.race_1997,
        standards.is_hispanic_latino_1997,
        standards.category_2024

    from combination_codes
    left join standards
        on combination_codes.race_ethnicity_code = standards.race_ethnicity_code

),

aggregated as (

    select
        race_ethnicity_combination,
        count(distinct race_ethnicity_code) filter (where is_known) as known_code_count,
        list_sort(list_distinct(list(race_1997) filter (where is_known and race_1997 is not null)))
            as races_1997,
        bool_or(is_hispanic_latino_1997) filter (where is_known) as is_hispanic_latino_1997,
        list_sort(list_distinct(list(category_2024) filter (where is_known and category_2024 is not null)))
            as categories_2024

    from mapped
    group by race_ethnicity_combination

),

final as (

    select
        combinations.race_ethnicity_combination,
        combinations.race_ethnicity_codes,
        cast(aggregated.known_code_count as integer) as known_code_count,
        {{ reporting_race_ethnicity_group('combinations.race_ethnicity_codes') }}
            as reporting_race_ethnicity_group,

        -- 1997 standard: race (one race, two_or_more, or unknown) and Hispanic ethnicity
        coalesce(aggregated.races_1997, cast([] as varchar [])) as races_1997,
        case coalesce(len(aggregated.races_1997), 0)
            when 0 then 'unknown'
            when 1 then aggregated.races_1997[1]
            else 'two_or_more'
        end as race_1997,
        aggregated.is_hispanic_latino_1997,

        -- 2024 standard: one combined category, two_or_more (multiracial and/or multiethnic), or unknown
        coalesce(aggregated.categories_2024, cast([] as varchar [])) as categories_2024,
        case coalesce(len(aggregated.categories_2024), 0)
            when 0 then 'unknown'
            when 1 then aggregated.categories_2024[1]
            else 'two_or_more'
        end as category_2024

    from combinations
    inner join aggregated
        on combinations.race_ethnicity_combination = aggregated.race_ethnicity_combination

)

select * from final
