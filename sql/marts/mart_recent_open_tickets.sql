-- The 200 most recent tickets not yet closed, with the model's priority and confidence. No personal data and no
-- free text (descriptions can carry personal details).
SELECT
    ticket_id,
    ticket_status,
    ticket_type,
    ticket_subject,
    product_purchased AS product,
    ticket_channel,
    priority_pred AS priority,
    priority_rank,
    confidence,
    first_response_at,
    date_of_purchase
FROM stg_tickets
WHERE is_open
ORDER BY first_response_at DESC NULLS LAST, ticket_id
LIMIT 200
