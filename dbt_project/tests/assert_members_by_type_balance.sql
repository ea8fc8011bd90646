-- Membership flows add up: members at the start of a fiscal year, plus those that joined, minus
-- those that left, are the members at its end (per jurisdiction type).
select
    members_by_type_key,
    members_at_start,
    members_joined,
    members_left,
    members_at_end
from {{ ref('agg_members_by_type') }}
where members_at_start + members_joined - members_left <> members_at_end
