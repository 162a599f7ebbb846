-- The headline figures: tickets processed, the share predicted Critical or High, how many the model leaves to
-- people (needs review), open tickets, and data freshness.
SELECT
    count(*) AS tickets,
    sum(CASE WHEN priority_label IS NOT NULL THEN 1 ELSE 0 END) AS labelled_tickets,
    sum(CASE WHEN is_open THEN 1 ELSE 0 END) AS open_tickets,
    coalesce(sum(CASE WHEN priority_pred IN ('Critical', 'High') THEN 1 ELSE 0 END) / nullif(count(*), 0), 0)
        AS critical_or_high_share,
    sum(CASE WHEN needs_review THEN 1 ELSE 0 END) AS needs_review_tickets,
    sum(CASE WHEN label_source = 'agent' THEN 1 ELSE 0 END) AS agent_labelled_tickets,
    coalesce(sum(CASE WHEN needs_review THEN 1 ELSE 0 END) / nullif(count(*), 0), 0) AS needs_review_share,
    max(ingested_at) AS data_as_of,
    max(scored_at) AS last_scored_at,
    max(model_version) AS model_version
FROM {{ ref('stg_tickets') }}
