-- stg_tickets: one clean row per ticket, the columns every mart reads. Its source is the engine's tickets, one row
-- each (the latest score), with agents' overrides applied to the label (label_source says whether the label is the
-- upload's or an agent's).
SELECT
    ticket_id,
    customer_age,
    CASE
        WHEN customer_age IS NULL THEN 'unknown'
        WHEN customer_age < 25 THEN 'under 25'
        WHEN customer_age < 35 THEN '25-34'
        WHEN customer_age < 45 THEN '35-44'
        WHEN customer_age < 55 THEN '45-54'
        WHEN customer_age < 65 THEN '55-64'
        ELSE '65+'
    END AS age_band,
    coalesce(customer_gender, 'unknown') AS customer_gender,
    coalesce(product_purchased, 'unknown') AS product_purchased,
    date_of_purchase,
    coalesce(ticket_type, 'unknown') AS ticket_type,
    coalesce(ticket_subject, 'unknown') AS ticket_subject,
    coalesce(ticket_status, 'unknown') AS ticket_status,
    coalesce(ticket_status, '') <> 'Closed' AS is_open,
    coalesce(ticket_channel, 'unknown') AS ticket_channel,
    priority_label,
    label_source,
    priority_pred,
    pr.priority_rank,
    p_low,
    p_medium,
    p_high,
    p_critical,
    confidence,
    needs_review,
    coalesce(language, 'unknown') AS language,
    sentiment,
    first_response_at,
    resolved_at,
    satisfaction_rating,
    model_version,
    upload_id,
    ingested_at,
    scored_at
FROM {{source_tickets}} AS t
LEFT JOIN {{ ref('priorities') }} AS pr ON pr.priority = t.priority_pred
