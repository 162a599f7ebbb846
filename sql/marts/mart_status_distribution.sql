-- Tickets per ticket status and predicted priority, with each priority's share within its ticket status.
SELECT
    ticket_status,
    priority_pred AS priority,
    priority_rank,
    count(*) AS tickets,
    count(*) / sum(count(*)) OVER (PARTITION BY ticket_status) AS share
FROM {{ ref('stg_tickets') }}
GROUP BY ticket_status, priority_pred, priority_rank
ORDER BY ticket_status, priority_rank
