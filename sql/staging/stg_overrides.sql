-- stg_overrides: every priority an agent set, with the prediction it replaced (append-only history).
SELECT
    ticket_id,
    priority AS agent_priority,
    predicted,
    previous_label,
    previous_source,
    model_version,
    overridden_at
FROM {{source_overrides}}
