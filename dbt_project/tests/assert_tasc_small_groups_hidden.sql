-- No TASC score rests on fewer than var tasc_min_respondents respondents, and within one
-- jurisdiction, wave and grouping dimension whose total is shown, the groups hidden for a measure
-- hold either no respondents or at least tasc_min_respondents together (so none can be recovered
-- from the total by subtraction). Returns the offending rows.
{%- set min_n = var('tasc_min_respondents') | int %}
{%- set measures = {
    'psychological_safety': ['psychological_safety_score_mean', 'psychological_safety_pct_positive'],
    'stress_recognition': ['stress_recognition_score_mean', 'stress_recognition_pct_positive'],
    'workplace_connectedness': ['workplace_connectedness_score_mean', 'workplace_connectedness_pct_positive'],
    'emotional_exhaustion': ['emotional_exhaustion_mean'],
    'intent_to_stay': ['pct_intends_to_stay'],
} %}
with

by_group as (

    select * from {{ ref('agg_tasc_scores_by_group') }}

),

association as (

    select * from {{ ref('agg_psych_safety_intent_association') }}

),

shown_below_minimum as (

    {% for measure, columns in measures.items() -%}
    {%- for column in columns -%}
    select
        tasc_group_score_key as offending_key,
        '{{ column }}: shown below the minimum' as problem
    from by_group
    where
        {{ measure }}_respondents < {{ min_n }}
        and {{ column }} is not null
    union all
    {% endfor -%}
    {% endfor -%}
    {%- for band in ['low', 'medium', 'high'] %}
    select
        psych_safety_intent_key as offending_key,
        '{{ band }} band: shown below the minimum' as problem
    from association
    where respondents_{{ band }} < {{ min_n }} and pct_intends_to_stay_{{ band }} is not null
    union all
    {%- endfor %}
    select
        psych_safety_intent_key as offending_key,
        'correlation: shown below the minimum' as problem
    from association
    where respondents < {{ min_n }} and psych_safety_intent_correlation is not null

),

hidden_recoverable as (

    -- only where the total is shown: a hidden total leaves nothing to subtract from
    {% for measure, columns in measures.items() -%}
    select
        by_group.jurisdiction_id || ':' || by_group.survey_wave || ':' || by_group.grouping_dimension
            as offending_key,
        '{{ measure }}: hidden groups hold too few respondents' as problem
    from by_group
    inner join by_group as totals
        on
            by_group.jurisdiction_id = totals.jurisdiction_id
            and by_group.survey_wave = totals.survey_wave
            and totals.grouping_dimension = 'total'
    where
        by_group.grouping_dimension <> 'total'
        and by_group.{{ columns[0] }} is null
        and totals.{{ columns[0] }} is not null
    group by by_group.jurisdiction_id, by_group.survey_wave, by_group.grouping_dimension
    having sum(by_group.{{ measure }}_respondents) between 1 and {{ min_n - 1 }}
    {%- if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

)

select * from shown_below_minimum
union all
select * from hidden_recoverable
