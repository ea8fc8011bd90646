{#
    TASC scores per scope and group, with small-group suppression: the body of the workforce
    agg_ marts (agg_tasc_scores, agg_tasc_scores_by_group, agg_intent_to_stay_by_psych_safety,
    agg_psych_safety_intent_association), so every one of them counts, scores and suppresses alike.

    responses:  a relation or CTE name with the columns of fct_tasc_responses.
    scopes:     any of 'jurisdiction_wave' (one jurisdiction and survey wave), 'partnership_wave'
                (all jurisdictions, one wave; jurisdiction_id null) and 'partnership' (all
                jurisdictions and waves; jurisdiction_id and survey_wave null).
    dimensions: any of 'total' (everyone in the scope; group_value 'all'), 'role', 'tenure_band',
                'org_unit', 'psychological_safety_band'. A response without a value forms the
                group with group_value null, so the groups of a dimension add up to the total.

    One row per scope, grouping_dimension and group_value:
    - respondents (all responses) and, per measure, <measure>_respondents = the responses the
      measure is built on: psychological_safety, stress_recognition, workplace_connectedness
      (responses with that 0-100 score), emotional_exhaustion (responses with the 0-6 mean),
      intent_to_stay (responses answering intent_to_stay).
    - <scale>_score_mean, <scale>_pct_positive (percent of <scale>_respondents scoring >= 75),
      emotional_exhaustion_mean, pct_intends_to_stay (percent of intent_to_stay_respondents with
      intent_to_stay >= 4).
    - psych_safety_intent_correlation: Pearson correlation of psychological_safety_score with
      intends_to_stay as 1/0 (the point-biserial correlation) over correlation_respondents
      (responses with both), rounded to 6 decimals; null when undefined (no variance).

    Suppression, with n = var tasc_min_respondents:
    - primary: a measure's values are null when <measure>_respondents < n (a whole group with
      respondents < n is is_suppressed, and then every measure is null); the correlation is null
      when correlation_respondents < n.
    - complementary: the groups of one dimension in one scope add up to its total, so a single
      hidden group could be recovered by subtraction from the total and the other groups. Per
      measure, when the groups hidden by the primary rule hold between 1 and n - 1 respondents
      together (e.g. exactly one group is hidden), the shown group with the fewest respondents
      (ties: the first group_value) is hidden too; afterwards the hidden groups hold >= n
      respondents together. is_complementary_suppressed says a group lost a measure this way.
      Not done: suppression across scopes (a jurisdiction's hidden cell against a partnership
      figure); respondent counts are kept true (the report suppresses displayed counts).
#}
{% macro tasc_scores_by_group(responses, scopes=['jurisdiction_wave'], dimensions=['total']) -%}
    {%- set min_n = var('tasc_min_respondents') | int -%}
    {%- set measures = {
        'psychological_safety': ['psychological_safety_score_mean', 'psychological_safety_pct_positive'],
        'stress_recognition': ['stress_recognition_score_mean', 'stress_recognition_pct_positive'],
        'workplace_connectedness': ['workplace_connectedness_score_mean', 'workplace_connectedness_pct_positive'],
        'emotional_exhaustion': ['emotional_exhaustion_mean'],
        'intent_to_stay': ['pct_intends_to_stay'],
    } -%}
    {%- for scope in scopes if scope not in ['jurisdiction_wave', 'partnership_wave', 'partnership'] -%}
        {{ exceptions.raise_compiler_error("tasc_scores_by_group: unknown scope " ~ scope) }}
    {%- endfor -%}
    {%- for dimension in dimensions
        if dimension not in ['total', 'role', 'tenure_band', 'org_unit', 'psychological_safety_band'] -%}
        {{ exceptions.raise_compiler_error("tasc_scores_by_group: unknown dimension " ~ dimension) }}
    {%- endfor -%}

    with

    tasc_flagged as (

        -- 1 when a response's 0-100 score is positive (>= 75, compared on the score rounded to 6
        -- decimals), 0 when not, null when unscored: the mean of the flag is the share positive
        -- among the responses with a score
        select
            jurisdiction_id,
            survey_wave,
            response_date,
            role,
            tenure_band,
            org_unit,
            psychological_safety_band,
            psychological_safety_score,
            stress_recognition_score,
            workplace_connectedness_score,
            emotional_exhaustion_mean,
            case
                when round(psychological_safety_score, 6) >= 75 then 1.0
                when psychological_safety_score is not null then 0.0
            end as psychological_safety_positive,
            case
                when round(stress_recognition_score, 6) >= 75 then 1.0
                when stress_recognition_score is not null then 0.0
            end as stress_recognition_positive,
            case
                when round(workplace_connectedness_score, 6) >= 75 then 1.0
                when workplace_connectedness_score is not null then 0.0
            end as workplace_connectedness_positive,
            case
                when intends_to_stay then 1.0
                when intends_to_stay is not null then 0.0
            end as intends_to_stay_value,
            -- The scores as exact decimals (9 places) for the means and the correlation: DuckDB
            -- adds doubles up in the order its threads finish, so a mean of doubles can differ in
            -- its last bits from one build to the next; a sum of decimals is exact, so the same
            -- responses give the same figures on every build.
            cast(psychological_safety_score as decimal(18, 9)) as psychological_safety_exact,
            cast(stress_recognition_score as decimal(18, 9)) as stress_recognition_exact,
            cast(workplace_connectedness_score as decimal(18, 9)) as workplace_connectedness_exact,
            cast(emotional_exhaustion_mean as decimal(18, 9)) as emotional_exhaustion_exact

        from {{ responses }}

    ),

    tasc_by_dimension as (

        {% for dimension in dimensions -%}
        select
            *,
            '{{ dimension }}' as grouping_dimension,
            {% if dimension == 'total' -%}
            'all'
            {%- else -%}
            cast({{ dimension }} as varchar)
            {%- endif %} as group_value
        from tasc_flagged
        {% if not loop.last %}
        union all
        {% endif %}
        {%- endfor %}

    ),

    tasc_aggregated as (

        {% for scope in scopes -%}
        select
            '{{ scope }}' as scope_level,
            {% if scope == 'jurisdiction_wave' -%}
            jurisdiction_id,
            {%- else -%}
            cast(null as varchar) as jurisdiction_id,
            {%- endif %}
            {% if scope == 'partnership' -%}
            cast(null as varchar) as survey_wave,
            {%- else -%}
            survey_wave,
            {%- endif %}
            grouping_dimension,
            group_value,
            count(distinct jurisdiction_id) as jurisdictions_counted,
            min(response_date) as first_response_date,
            max(response_date) as last_response_date,
            count(*) as respondents,
            count(psychological_safety_score) as psychological_safety_respondents,
            avg(psychological_safety_exact) as psychological_safety_score_mean,
            100 * avg(psychological_safety_positive) as psychological_safety_pct_positive,
            count(stress_recognition_score) as stress_recognition_respondents,
            avg(stress_recognition_exact) as stress_recognition_score_mean,
            100 * avg(stress_recognition_positive) as stress_recognition_pct_positive,
            count(workplace_connectedness_score) as workplace_connectedness_respondents,
            avg(workplace_connectedness_exact) as workplace_connectedness_score_mean,
            100 * avg(workplace_connectedness_positive) as workplace_connectedness_pct_positive,
            count(emotional_exhaustion_mean) as emotional_exhaustion_respondents,
            avg(emotional_exhaustion_exact) as emotional_exhaustion_mean,
            count(intends_to_stay_value) as intent_to_stay_respondents,
            100 * avg(intends_to_stay_value) as pct_intends_to_stay,
            count(*) filter (
                where psychological_safety_score is not null and intends_to_stay_value is not null
            ) as correlation_respondents,
            -- Pearson's r from exact sums over the responses with both values (corr() of doubles
            -- would add up in thread order): n, sum x, sum y, sum xy, sum x^2 (y is 1/0: y^2 = y)
            {{ _exact_correlation('psychological_safety_exact', 'intends_to_stay_value') }}
                as raw_correlation

        from tasc_by_dimension
        group by
            {% if scope == 'jurisdiction_wave' %}jurisdiction_id, {% endif -%}
            {% if scope != 'partnership' %}survey_wave, {% endif -%}
            grouping_dimension,
            group_value
        {% if not loop.last %}
        union all
        {% endif %}
        {%- endfor %}

    ),

    tasc_primary as (

        select
            *,
            {%- for measure in measures %}
            {{ measure }}_respondents < {{ min_n }} as {{ measure }}_is_primary,
            {%- endfor %}
            respondents < {{ min_n }} as is_suppressed

        from tasc_aggregated

    ),

    tasc_complement_candidates as (

        select
            *,
            {%- for measure in measures %}
            sum(case when {{ measure }}_is_primary then {{ measure }}_respondents else 0 end) over (
                partition by scope_level, jurisdiction_id, survey_wave, grouping_dimension
            ) as {{ measure }}_primary_hidden_respondents,
            row_number() over (
                partition by scope_level, jurisdiction_id, survey_wave, grouping_dimension
                order by {{ measure }}_is_primary, {{ measure }}_respondents, group_value nulls last
            ) as {{ measure }}_complement_rank{% if not loop.last %},{% endif %}
            {%- endfor %}

        from tasc_primary

    ),

    tasc_complemented as (

        select
            *,
            {%- for measure in measures %}
            (
                not {{ measure }}_is_primary
                and {{ measure }}_complement_rank = 1
                and {{ measure }}_primary_hidden_respondents between 1 and {{ min_n - 1 }}
            ) as {{ measure }}_is_complementary{% if not loop.last %},{% endif %}
            {%- endfor %}

        from tasc_complement_candidates

    )

    select
        scope_level,
        jurisdiction_id,
        survey_wave,
        grouping_dimension,
        group_value,
        cast(jurisdictions_counted as integer) as jurisdictions_counted,
        first_response_date,
        last_response_date,
        cast(respondents as integer) as respondents,
        is_suppressed,
        (
            {%- for measure in measures %}
            {{ measure }}_is_complementary{% if not loop.last %} or{% endif %}
            {%- endfor %}
        ) as is_complementary_suppressed,
        {%- for measure, columns in measures.items() %}
        cast({{ measure }}_respondents as integer) as {{ measure }}_respondents,
        {%- for column in columns %}
        case
            when not ({{ measure }}_is_primary or {{ measure }}_is_complementary) then {{ column }}
        end as {{ column }},
        {%- endfor %}
        {%- endfor %}
        cast(correlation_respondents as integer) as correlation_respondents,
        case
            when correlation_respondents >= {{ min_n }} and not isnan(raw_correlation)
                then round(raw_correlation, 6)
        end as psych_safety_intent_correlation

    from tasc_complemented
{%- endmacro %}


{#- Pearson's r of x and y (y 1/0; both exact decimals) over the rows with both. The sums and
    the three terms are exact decimals; only the last division is in double, so the same inputs
    give the same coefficient on every build. NaN when either has no variance (as corr()). -#}
{% macro _exact_correlation(x, y) -%}
    {%- set both = 'where ' ~ x ~ ' is not null and ' ~ y ~ ' is not null' -%}
    {%- set n = 'count(*) filter (' ~ both ~ ')' -%}
    {%- set sx = 'sum(' ~ x ~ ') filter (' ~ both ~ ')' -%}
    {%- set sy = 'sum(' ~ y ~ ') filter (' ~ both ~ ')' -%}
    {%- set sxy = 'sum(' ~ x ~ ' * ' ~ y ~ ') filter (' ~ both ~ ')' -%}
    {%- set sxx = 'sum(' ~ x ~ ' * ' ~ x ~ ') filter (' ~ both ~ ')' -%}
    {%- set var_x = '(' ~ n ~ ' * ' ~ sxx ~ ' - ' ~ sx ~ ' * ' ~ sx ~ ')' -%}
    {%- set var_y = '(' ~ n ~ ' * ' ~ sy ~ ' - ' ~ sy ~ ' * ' ~ sy ~ ')' -%}
    case
        when {{ var_x }} > 0 and {{ var_y }} > 0
            then cast({{ n }} * {{ sxy }} - {{ sx }} * {{ sy }} as double)
                / sqrt(cast({{ var_x }} as double) * cast({{ var_y }} as double))
        else cast('nan' as double)
    end
{%- endmacro %}
