-- Tickets per predicted priority, every class shown even when empty.
SELECT
    p.priority,
    p.priority_rank,
    count(t.ticket_id) AS tickets,
    coalesce(count(t.ticket_id) / nullif(sum(count(t.ticket_id)) OVER (), 0), 0) AS share
FROM {{ ref('priorities') }} AS p
LEFT JOIN {{ ref('stg_tickets') }} AS t ON t.priority_pred = p.priority
GROUP BY p.priority, p.priority_rank
ORDER BY p.priority_rank
