-- Class probabilities lie in [0, 1], sum to 1, and the predicted class is the most probable one.
SELECT ticket_id
FROM {{ ref('stg_tickets') }}
WHERE abs(p_low + p_medium + p_high + p_critical - 1) > 0.001
    OR least(p_low, p_medium, p_high, p_critical) < 0
    OR confidence <> CASE priority_pred
        WHEN 'Low' THEN p_low WHEN 'Medium' THEN p_medium WHEN 'High' THEN p_high ELSE p_critical END
