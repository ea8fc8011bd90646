-- Every code of var race_ethnicity_priority_codes (the reporting hierarchy) must be a code a
-- child's race/ethnicity can carry; list the ones that are not.
{% set priority_codes = var('race_ethnicity_priority_codes') %}
with

race_ethnicity as (

    select * from {{ ref('dim_race_ethnicity') }}
    where is_submitted_code

),

priority_codes as (

    {% if priority_codes | length > 0 %}
    {% for code in priority_codes %}
    select '{{ code }}' as priority_code
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {% else %}
        select cast(null as varchar) as priority_code
        where false
    {% endif %}

)

select priority_codes.priority_code
from priority_codes
left join race_ethnicity
    on priority_codes.priority_code = race_ethnicity.race_ethnicity_code
where race_ethnicity.race_ethnicity_code is null
