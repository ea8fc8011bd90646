{#
    Every code-list seed (dbt_project/seeds/code_lists/<list>.csv, columns code,label,sort_order)
    as one query: `select code_list, code, label, sort_order` over all lists (stg_reference__codes,
    published as common.dim_codes).

    dbt records a model's dependencies when it parses the model, before the graph of seeds is
    known, so the list is written out here: refs built from the graph at run time would not be
    dependencies (dbt refuses them). To add a code list: drop its CSV into seeds/code_lists/ and
    add its name below. Forgetting the second step cannot go unnoticed: at run time the macro
    compares the list with the seeds dbt found under seeds/code_lists/ and fails the model with
    the names that are missing (or no longer exist).
#}
{% macro code_lists_unioned() -%}
    {%- set names = [
        'cause_of_incident',
        'child_sex',
        'data_set',
        'incident_type',
        'io_level',
        'io_theme',
        'jurisdiction_type',
        'maltreatment_type',
        'partner_agency',
        'race_ethnicity',
        'race_ethnicity_group',
        'sharing_level',
        'staff_role',
        'tenure_band',
    ] -%}
    {%- if execute -%}
        {%- set found = [] -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'seed' and node.package_name == project_name
                and '/code_lists/' in ('/' ~ node.original_file_path | replace('\\', '/')) -%}
                {%- do found.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set missing = found | reject('in', names) | list -%}
        {%- set extra = names | reject('in', found) | list -%}
        {%- if missing or extra -%}
            {%- do exceptions.raise_compiler_error(
                "macros/code_lists.sql: the list in code_lists_unioned() does not match "
                ~ "seeds/code_lists/: missing " ~ (missing | sort | join(', ') or 'none')
                ~ "; not a seed there " ~ (extra | sort | join(', ') or 'none')
                ~ ". Edit the list in code_lists_unioned()."
            ) -%}
        {%- endif -%}
    {%- endif -%}
    {%- for name in names %}
    select
        '{{ name }}' as code_list,
        code,
        label,
        sort_order
    from {{ ref(name) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
