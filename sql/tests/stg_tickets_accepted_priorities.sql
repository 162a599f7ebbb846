-- Predicted and labelled priorities are one of the four classes (a label may be absent).
SELECT ticket_id, priority_pred, priority_label
FROM stg_tickets
WHERE priority_pred NOT IN (SELECT priority FROM priorities)
    OR (priority_label IS NOT NULL AND priority_label NOT IN (SELECT priority FROM priorities))
