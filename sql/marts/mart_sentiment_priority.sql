-- How upset customers sound, by predicted priority: the mean sentiment of the descriptions (-1 angry to 1 pleased)
-- and the shares that read clearly negative (below -0.2) or clearly positive (above 0.2).
SELECT
    priority_pred AS priority,
    priority_rank,
    count(*) AS tickets,
    avg(sentiment) AS mean_sentiment,
    coalesce(sum(CASE WHEN sentiment < -0.2 THEN 1 ELSE 0 END) / nullif(count(sentiment), 0), 0) AS negative_share,
    coalesce(sum(CASE WHEN sentiment > 0.2 THEN 1 ELSE 0 END) / nullif(count(sentiment), 0), 0) AS positive_share
FROM {{ ref('stg_tickets') }}
GROUP BY priority_pred, priority_rank
ORDER BY priority_rank
