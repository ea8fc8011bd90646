with

source as (

    select * from {{ ref('race_ethnicity_standards') }}

),

renamed as (

    select
        code as race_ethnicity_code,
        nullif(trim(race_1997), '') as race_1997,
        nullif(trim(race_1997_label), '') as race_1997_label,
        is_hispanic_latino_1997,
        category_2024,
        category_2024_label,
        nullif(trim(mapping_note), '') as mapping_note

    from source

)

select * from renamed
