-- How well predictions agree with human labels, next to what chance would score: `chance_accuracy` is the
-- agreement expected if predictions were independent of labels with the same class shares (Cohen's p_e).
WITH labelled AS (
    SELECT priority_label AS label, priority_pred AS predicted
    FROM {{ ref('stg_tickets') }}
    WHERE priority_label IS NOT NULL
),
per_class AS (
    SELECT
        p.priority,
        sum(CASE WHEN l.label = p.priority AND l.predicted = p.priority THEN 1 ELSE 0 END) AS true_positives,
        sum(CASE WHEN l.label <> p.priority AND l.predicted = p.priority THEN 1 ELSE 0 END) AS false_positives,
        sum(CASE WHEN l.label = p.priority AND l.predicted <> p.priority THEN 1 ELSE 0 END) AS false_negatives,
        sum(CASE WHEN l.label = p.priority THEN 1 ELSE 0 END) AS labelled_as,
        sum(CASE WHEN l.predicted = p.priority THEN 1 ELSE 0 END) AS predicted_as
    FROM {{ ref('priorities') }} AS p
    CROSS JOIN labelled AS l
    GROUP BY p.priority
),
totals AS (
    SELECT
        sum(labelled_as) AS labelled_tickets,
        sum(true_positives) AS correct,
        avg(CASE
            WHEN 2 * true_positives + false_positives + false_negatives = 0 THEN 0
            ELSE 2 * true_positives / (2 * true_positives + false_positives + false_negatives)
        END) AS macro_f1,
        sum(labelled_as * predicted_as) AS chance_pairs,
        max(labelled_as) AS majority_class_tickets
    FROM per_class
)
SELECT
    (SELECT count(*) FROM {{ ref('stg_tickets') }}) AS tickets,
    coalesce(labelled_tickets, 0) AS labelled_tickets,
    coalesce(correct / nullif(labelled_tickets, 0), 0) AS accuracy,
    coalesce(macro_f1, 0) AS macro_f1,
    coalesce(chance_pairs / nullif(labelled_tickets * labelled_tickets, 0), 0) AS chance_accuracy,
    coalesce(majority_class_tickets / nullif(labelled_tickets, 0), 0) AS majority_class_accuracy,
    1.0 / (SELECT count(*) FROM {{ ref('priorities') }}) AS uniform_chance_accuracy,
    (SELECT max(model_version) FROM {{ ref('stg_tickets') }}) AS model_version
FROM totals
