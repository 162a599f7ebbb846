-- Shares are fractions that add up to one (when there are tickets at all).
SELECT sum(share) AS total_share
FROM {{ ref('mart_priority_distribution') }}
HAVING sum(tickets) > 0 AND abs(sum(share) - 1) > 1e-9
