-- Tickets per age band, ticket type and predicted priority.
SELECT
    age_band,
    ticket_type,
    priority_pred AS priority,
    priority_rank,
    count(*) AS tickets
FROM {{ ref('stg_tickets') }}
GROUP BY age_band, ticket_type, priority_pred, priority_rank
ORDER BY age_band, ticket_type, priority_rank
