-- The languages tickets are written in (as the scorer read them in the description), with each one's share.
SELECT
    language,
    count(*) AS tickets,
    count(*) / sum(count(*)) OVER () AS share
FROM {{ ref('stg_tickets') }}
GROUP BY language
ORDER BY tickets DESC, language
