-- Every ticket appears once: re-uploads and redeliveries must not double-count.
SELECT ticket_id, count(*) AS copies
FROM stg_tickets
GROUP BY ticket_id
HAVING count(*) > 1
