-- One row per race/ethnicity code: the codes a child's race/ethnicity may carry (code list
-- race_ethnicity) and the reporting groups (code list race_ethnicity_group), with both federal
-- standards and the code's place in the configurable reporting hierarchy.
with

codes as (

    select * from {{ ref('stg_reference__codes') }}
    where code_list in ('race_ethnicity', 'race_ethnicity_group')

),

standards as (

    select * from {{ ref('stg_reference__race_ethnicity_standards') }}

),

race_ethnicity_codes as (

    -- a code in both lists is one row: the label of the submitted code list, the order of the
    -- reporting groups (which lists every code)
    select
        code as race_ethnicity_code,
        label,
        first_value(sort_order) over (
            partition by code
            order by case code_list when 'race_ethnicity_group' then 1 else 2 end
        ) as sort_order,
        bool_or(code_list = 'race_ethnicity') over (partition by code) as is_submitted_code,
        bool_or(code_list = 'race_ethnicity_group') over (partition by code) as is_reporting_group

    from codes
    qualify row_number() over (
        partition by code
        order by case code_list when 'race_ethnicity' then 1 else 2 end
    ) = 1

),

final as (

    select
        race_ethnicity_codes.race_ethnicity_code,
        race_ethnicity_codes.label,
        cast(race_ethnicity_codes.sort_order as integer) as sort_order,
        race_ethnicity_codes.is_submitted_code,
        race_ethnicity_codes.is_reporting_group,

        -- the reporting hierarchy (macro reporting_race_ethnicity_group, var
        -- race_ethnicity_priority_codes): a child with only this code is reported in group ...
        cast({{ race_ethnicity_priority_rank('race_ethnicity_codes.race_ethnicity_code') }} as integer)
            as reporting_priority,
        case
            when race_ethnicity_codes.is_submitted_code
                then {{ reporting_race_ethnicity_group('[race_ethnicity_codes.race_ethnicity_code]') }}
            else race_ethnicity_codes.race_ethnicity_code
        end as reporting_group,

        -- 1997 standard: five races and a separate Hispanic or Latino ethnicity
        standards.race_1997,
        standards.race_1997_label,
        standards.is_hispanic_latino_1997,

        -- 2024 standard: seven combined categories
        standards.category_2024,
        standards.category_2024_label,
        standards.mapping_note

    from race_ethnicity_codes
    left join standards
        on race_ethnicity_codes.race_ethnicity_code = standards.race_ethnicity_code

)

select * from final
