-- Tickets per ticket type and predicted priority, with each priority's share within its ticket type.
SELECT
    ticket_type,
    priority_pred AS priority,
    priority_rank,
    count(*) AS tickets,
    count(*) / sum(count(*)) OVER (PARTITION BY ticket_type) AS share
FROM {{ ref('stg_tickets') }}
GROUP BY ticket_type, priority_pred, priority_rank
ORDER BY ticket_type, priority_rank
