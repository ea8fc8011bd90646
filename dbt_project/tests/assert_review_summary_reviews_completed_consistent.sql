{{ config(severity='warn') }}
-- reviews_completed must be the same on every theme row of one jurisdiction, period and incident
-- type (agg_review_counts takes the maximum); list the combinations where it is not.
select
    jurisdiction_id,
    period,
    incident_type,
    min(reviews_completed) as min_reviews_completed,
    max(reviews_completed) as max_reviews_completed
from {{ ref('stg_raw__review_summary') }}
group by jurisdiction_id, period, incident_type
having min(reviews_completed) <> max(reviews_completed)
