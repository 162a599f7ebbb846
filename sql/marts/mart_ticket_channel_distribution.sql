-- Tickets per ticket channel and predicted priority, with each priority's share within its ticket channel.
SELECT
    ticket_channel,
    priority_pred AS priority,
    priority_rank,
    count(*) AS tickets,
    count(*) / sum(count(*)) OVER (PARTITION BY ticket_channel) AS share
FROM {{ ref('stg_tickets') }}
GROUP BY ticket_channel, priority_pred, priority_rank
ORDER BY ticket_channel, priority_rank
