# The app image: web (upload server + site), scorer, marts and the ClickHouse migration all run from it.
# Debian-based so onnxruntime-node and @duckdb/node-api find glibc.
FROM denoland/deno:debian-2.9.6
WORKDIR /app
ENV DENO_DIR=/deno-dir DATA_DIR=/data OBSERVABLE_TELEMETRY_DISABLE=true
COPY deno.json deno.lock ./
COPY . .
RUN deno install --frozen \
  && deno cache src/commands/start.ts src/commands/scorer.ts src/commands/marts.ts src/commands/kafka_setup.ts src/commands/db_migrate.ts \
  && mkdir -p /data && chown -R deno:deno /data /app /deno-dir
USER deno
EXPOSE 8000 8001
CMD ["deno", "task", "start"]
