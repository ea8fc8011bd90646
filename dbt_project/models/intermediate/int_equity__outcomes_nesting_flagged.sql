-- Each outcome row with whether partnership sums count it. Jurisdictions nest (a county's
-- children are inside its state's population): a row is left out when any ancestor of its
-- jurisdiction (parent, parent's parent, ...) is a member that submitted outcomes for the same
-- fiscal year, because the ancestor's counts already include these children.
with recursive

outcomes as (

    select * from {{ ref('stg_raw__outcomes') }}

),

jurisdictions as (

    select * from {{ ref('stg_reference__jurisdictions') }}

),

ancestors as (

    select
        jurisdiction_id,
        parent_jurisdiction_id as ancestor_jurisdiction_id,
        1 as nesting_depth

    from jurisdictions
    where parent_jurisdiction_id is not null

    union all

    -- depth guard: a cycle in the registry cannot loop forever
    select
        ancestors.jurisdiction_id,
        jurisdictions.parent_jurisdiction_id as ancestor_jurisdiction_id,
        ancestors.nesting_depth + 1 as nesting_depth

    from ancestors
    inner join jurisdictions
        on ancestors.ancestor_jurisdiction_id = jurisdictions.jurisdiction_id
    where jurisdictions.parent_jurisdiction_id is not null and ancestors.nesting_depth < 10

),

submitted_years as (

    select distinct
        jurisdiction_id,
        fiscal_year

    from outcomes

),

covering_ancestors as (

    -- the outermost ancestor that submitted the same fiscal year
    select
        outcomes.outcome_key,
        ancestors.ancestor_jurisdiction_id

    from outcomes
    inner join ancestors
        on outcomes.jurisdiction_id = ancestors.jurisdiction_id
    inner join submitted_years
        on
            ancestors.ancestor_jurisdiction_id = submitted_years.jurisdiction_id
            and outcomes.fiscal_year = submitted_years.fiscal_year
    qualify row_number() over (partition by outcomes.outcome_key order by ancestors.nesting_depth desc) = 1

),

final as (

    select
        outcomes.outcome_key,
        outcomes.jurisdiction_id,
        outcomes.fiscal_year,
        outcomes.race_ethnicity_group,
        outcomes.child_population,
        outcomes.children_investigated,
        outcomes.victims,
        outcomes.victims_with_recurrence,
        outcomes.recurrence_window_months,
        outcomes.entries_to_care,
        outcomes.maltreatment_fatalities,
        outcomes.near_fatalities,
        covering_ancestors.ancestor_jurisdiction_id is null as is_counted_in_partnership,
        covering_ancestors.ancestor_jurisdiction_id as counted_within_jurisdiction_id

    from outcomes
    left join covering_ancestors
        on outcomes.outcome_key = covering_ancestors.outcome_key

)

select * from final
