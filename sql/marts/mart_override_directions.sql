-- How agents correct the model: every override by the priority the model had predicted and the one the agent set,
-- with the agreement (predicted = set) and the direction (the agent raised or lowered the priority).
SELECT
    o.predicted,
    o.agent_priority,
    count(*) AS overrides,
    count(DISTINCT o.ticket_id) AS tickets,
    CASE
        WHEN pp.priority_rank IS NULL THEN 'unknown'
        WHEN pa.priority_rank > pp.priority_rank THEN 'raised'
        WHEN pa.priority_rank < pp.priority_rank THEN 'lowered'
        ELSE 'confirmed'
    END AS direction
FROM {{ ref('stg_overrides') }} AS o
LEFT JOIN {{ ref('priorities') }} AS pp ON pp.priority = o.predicted
LEFT JOIN {{ ref('priorities') }} AS pa ON pa.priority = o.agent_priority
GROUP BY o.predicted, o.agent_priority, pp.priority_rank, pa.priority_rank
ORDER BY pp.priority_rank, pa.priority_rank
