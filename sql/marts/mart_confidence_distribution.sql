-- How sure the model is: tickets per 5-point confidence bucket (the top class probability) and predicted priority.
SELECT
    floor(confidence * 20) / 20 AS confidence_from,
    floor(confidence * 20) / 20 + 0.05 AS confidence_to,
    priority_pred AS priority,
    priority_rank,
    count(*) AS tickets
FROM {{ ref('stg_tickets') }}
GROUP BY floor(confidence * 20), priority_pred, priority_rank
ORDER BY confidence_from, priority_rank
