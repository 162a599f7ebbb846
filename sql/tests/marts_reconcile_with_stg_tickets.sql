-- Each distribution mart counts every ticket exactly once.
WITH expected AS (SELECT count(*) AS tickets FROM stg_tickets),
totals AS (
    SELECT 'mart_priority_distribution' AS mart, sum(tickets) AS tickets FROM mart_priority_distribution
    UNION ALL SELECT 'mart_status_distribution', sum(tickets) FROM mart_status_distribution
    UNION ALL SELECT 'mart_ticket_type_distribution', sum(tickets) FROM mart_ticket_type_distribution
    UNION ALL SELECT 'mart_ticket_channel_distribution', sum(tickets) FROM mart_ticket_channel_distribution
    UNION ALL SELECT 'mart_gender_priority', sum(tickets) FROM mart_gender_priority
    UNION ALL SELECT 'mart_age_type_priority', sum(tickets) FROM mart_age_type_priority
    UNION ALL SELECT 'mart_top_products_critical', sum(tickets) FROM mart_top_products_critical
    UNION ALL SELECT 'mart_confidence_distribution', sum(tickets) FROM mart_confidence_distribution
    UNION ALL SELECT 'mart_overview', sum(tickets) FROM mart_overview
)
SELECT totals.mart, totals.tickets AS mart_tickets, expected.tickets AS stg_tickets
FROM totals
CROSS JOIN expected
WHERE coalesce(totals.tickets, 0) <> expected.tickets
