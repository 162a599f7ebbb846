-- priorities: the four priority classes in order, so marts can show a class that has no tickets yet.
SELECT 'Low' AS priority, 1 AS priority_rank
UNION ALL SELECT 'Medium', 2
UNION ALL SELECT 'High', 3
UNION ALL SELECT 'Critical', 4
