-- Labelled tickets by human-assigned priority (`label`) and predicted priority, every cell shown.
WITH counts AS (
    SELECT priority_label AS label, priority_pred AS predicted, count(*) AS tickets
    FROM {{ ref('stg_tickets') }}
    WHERE priority_label IS NOT NULL
    GROUP BY priority_label, priority_pred
)
SELECT
    l.priority AS label,
    l.priority_rank AS label_rank,
    p.priority AS predicted,
    p.priority_rank AS predicted_rank,
    coalesce(c.tickets, 0) AS tickets
FROM {{ ref('priorities') }} AS l
CROSS JOIN {{ ref('priorities') }} AS p
LEFT JOIN counts AS c ON c.label = l.priority AND c.predicted = p.priority
ORDER BY label_rank, predicted_rank
