-- Each loaded file version with the checks of the raw gate that judged it: the first
-- verification of its data set's raw contract recorded at or after the version was received
-- (every raw gate verifies the whole raw table, the new version's rows with the rest). The
-- outcome is the check's outcome for the version's jurisdiction:
--   * the jurisdiction's own row (its rows made the check fail, or warn) when there is one;
--   * the dataset-level outcome when the check did not pass and no jurisdiction was named
--     (schema, row count, an error: not attributable to rows, so it counts for everyone);
--   * passed when the check failed on other jurisdictions' rows only.
with

ledger as (

    select * from {{ ref('stg_raw__submission_ledger') }}

),

raw_checks as (

    select * from {{ ref('stg_quality__check_results') }}
    where layer = 'raw'

),

dataset_checks as (

    select * from raw_checks
    where jurisdiction_id is null

),

jurisdiction_checks as (

    select * from raw_checks
    where jurisdiction_id is not null

),

named_jurisdictions as (

    select
        verification_check_key,
        count(*) as jurisdictions_named
    from jurisdiction_checks
    group by verification_check_key

),

verifications as (

    select
        verification_key,
        dataset,
        min(checked_at) as checked_at
    from dataset_checks
    group by verification_key, dataset

),

judged as (

    select
        ledger.submission_id,
        ledger.jurisdiction_id,
        ledger.data_set,
        verifications.verification_key
    from ledger
    inner join verifications
        on
            'raw.' || ledger.data_set = verifications.dataset
            and ledger.received_at <= verifications.checked_at
    qualify row_number() over (
        partition by ledger.submission_id
        order by verifications.checked_at, verifications.verification_key
    ) = 1

),

final as (

    select
        judged.submission_id,
        judged.jurisdiction_id,
        judged.data_set,
        judged.verification_key,
        dataset_checks.verification_check_key,
        dataset_checks.check_name,
        dataset_checks.check_type,
        dataset_checks.column_name,
        dataset_checks.outcome as dataset_outcome,
        case
            when own.outcome is not null then own.outcome
            when dataset_checks.outcome in ('passed', 'excluded') then dataset_checks.outcome
            when coalesce(named_jurisdictions.jurisdictions_named, 0) = 0
                then dataset_checks.outcome
            else 'passed'
        end as outcome_for_jurisdiction,
        own.failing_rows

    from judged
    inner join dataset_checks
        on judged.verification_key = dataset_checks.verification_key
    left join jurisdiction_checks as own
        on
            dataset_checks.verification_check_key = own.verification_check_key
            and judged.jurisdiction_id = own.jurisdiction_id
    left join named_jurisdictions
        on dataset_checks.verification_check_key = named_jurisdictions.verification_check_key

)

select * from final
