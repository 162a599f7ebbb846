-- Products ranked by their share of tickets predicted Critical. A product with few tickets cannot top the list
-- by luck: the rank uses the lower bound of the 95% Wilson interval of that share, only products with at least
-- `min_tickets_to_rank` tickets are ranked (when every rate is close, the bound alone still lets 1 of 1 rank high),
-- and the volume is shown.
WITH per_product AS (
    SELECT
        product_purchased AS product,
        count(*) AS tickets,
        sum(CASE WHEN priority_pred = 'Critical' THEN 1 ELSE 0 END) AS critical_tickets
    FROM {{ ref('stg_tickets') }}
    GROUP BY product_purchased
),
rated AS (
    SELECT
        product,
        tickets,
        critical_tickets,
        critical_tickets / tickets AS critical_rate,
        (critical_tickets / tickets + 3.8416 / (2 * tickets)
            - 1.96 * sqrt(critical_tickets / tickets * (1 - critical_tickets / tickets) / tickets
                + 3.8416 / (4 * tickets * tickets)))
            / (1 + 3.8416 / tickets) AS critical_rate_lower
    FROM per_product
)
SELECT
    CASE WHEN tickets >= rule.min_tickets_to_rank THEN
        row_number() OVER (
            PARTITION BY tickets >= rule.min_tickets_to_rank
            ORDER BY critical_rate_lower DESC, tickets DESC, product
        )
    END AS rank,
    product,
    tickets,
    critical_tickets,
    critical_rate,
    critical_rate_lower,
    rule.min_tickets_to_rank
FROM rated
CROSS JOIN (SELECT 30 AS min_tickets_to_rank) AS rule
ORDER BY rank NULLS LAST, product
