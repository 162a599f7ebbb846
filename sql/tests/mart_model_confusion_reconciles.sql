-- The confusion matrix holds every labelled ticket, and the metrics mart agrees with it.
WITH labelled AS (SELECT count(*) AS tickets FROM {{ ref('stg_tickets') }} WHERE priority_label IS NOT NULL),
matrix AS (SELECT sum(tickets) AS tickets, sum(CASE WHEN label = predicted THEN tickets ELSE 0 END) AS correct
    FROM {{ ref('mart_model_confusion') }})
SELECT labelled.tickets AS labelled, matrix.tickets AS in_matrix
FROM labelled
CROSS JOIN matrix
CROSS JOIN {{ ref('mart_model_metrics') }} AS m
WHERE matrix.tickets <> labelled.tickets
    OR m.labelled_tickets <> labelled.tickets
    OR abs(m.accuracy - coalesce(matrix.correct / nullif(matrix.tickets, 0), 0)) > 1e-9
