import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("defaults run the embedded app", () => {
  const config = loadConfig({});
  equal(config.port, 8000);
  equal(config.dataDir, "./data");
  equal(config.maxUploadBytes, 512 * 1024 * 1024);
  equal(config.martsCron, "* * * * *");
  deepStrictEqual(config.kafkaBrokers, []);
  equal(config.clickhouseUrl, null);
});

Deno.test("bad values stop start-up naming the variable", () => {
  throws(() => loadConfig({ PORT: "eighty" }), (e: Error) => e instanceof ConfigError && e.message.includes("PORT"));
  throws(() => loadConfig({ MAX_UPLOAD_BYTES: "-1" }), /MAX_UPLOAD_BYTES/);
  throws(() => loadConfig({ MARTS_CRON: "every minute" }), /MARTS_CRON/);
  throws(() => loadConfig({ CLICKHOUSE_URL: "not a url" }), /CLICKHOUSE_URL/);
  throws(() => loadConfig({ KAFKA_BROKERS: "localhost" }), /KAFKA_BROKERS/);
  deepStrictEqual(loadConfig({ KAFKA_BROKERS: "a:9092, b:9093" }).kafkaBrokers, ["a:9092", "b:9093"]);
});
