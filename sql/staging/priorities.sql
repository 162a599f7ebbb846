-- priorities: the priority classes in order (their list is src/ticket/schema.ts's), so marts can show a class that
-- has no tickets yet. Columns: priority, priority_rank (1 = Low).
{{ priority_rows }}
