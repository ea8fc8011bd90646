{#
    Every element of a list column (e.g. varchar[]) is a code of the given code-list seed.
    Usage: values_in_code_list: {arguments: {to: ref('race_ethnicity'), field: code}}
#}
{% test values_in_code_list(model, column_name, to, field='code') %}

with

elements as (

    select unnest({{ column_name }}) as value
    from {{ model }}

),

codes as (

    select {{ field }} as code
    from {{ to }}

)

select elements.value
from elements
left join codes
    on elements.value = codes.code
where
    elements.value is not null
    and codes.code is null

{% endtest %}
