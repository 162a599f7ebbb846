-- Tickets per customer gender and predicted priority, with each priority's share within its customer gender.
SELECT
    customer_gender,
    priority_pred AS priority,
    priority_rank,
    count(*) AS tickets,
    count(*) / sum(count(*)) OVER (PARTITION BY customer_gender) AS share
FROM {{ ref('stg_tickets') }}
GROUP BY customer_gender, priority_pred, priority_rank
ORDER BY customer_gender, priority_rank
