import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import { clientToken, ConfigError, envExample, loadConfig, SETTINGS } from "./config.ts";

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

Deno.test("loopback by default; beyond it only with AUTH_TOKEN, whose tokens may name who holds them", () => {
  deepStrictEqual([loadConfig({}).host, loadConfig({}).authTokens], ["127.0.0.1", []]);
  throws(() => loadConfig({ HOST: "0.0.0.0" }), /HOST=0\.0\.0\.0 would let other machines reach the app.*AUTH_TOKEN/);
  equal(loadConfig({ HOST: "::1" }).host, "::1", "IPv6 loopback needs no token");
  const config = loadConfig({ HOST: "0.0.0.0", AUTH_TOKEN: "ana:0123456789abcdef, 0123456789abcdefXYZ" });
  deepStrictEqual(config.authTokens, [
    { name: "ana", token: "0123456789abcdef" },
    { name: null, token: "0123456789abcdefXYZ" },
  ]);
  throws(() => loadConfig({ AUTH_TOKEN: "short" }), /AUTH_TOKEN: each token needs at least 16 characters/);
  throws(() => loadConfig({ AUTH_TOKEN: "a token with spaces!" }), /AUTH_TOKEN: a token may hold letters, digits/);
  equal(clientToken({ AUTH_TOKEN: "ana:0123456789abcdef,other-token-0123456" }), "0123456789abcdef");
  equal(clientToken({}), null);
});

Deno.test("deno task start --help lists every setting, within the terminal's width", async () => {
  const help = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./commands/start.ts", import.meta.url).href, "--help"],
  }).output();
  const text = new TextDecoder().decode(help.stdout);
  equal(help.code, 0);
  const settings = Object.values(SETTINGS).map((s) => s.env);
  deepStrictEqual(settings.filter((name) => !text.includes(`  ${name} `)), [], "settings missing from --help");
  ok(settings.length >= 20, `${settings.length} settings`);
  deepStrictEqual(text.split("\n").filter((line) => line.length > 118), [], "lines wider than 118 characters");
});

Deno.test(".env.example is written from the settings a deployment must set", async () => {
  const committed = await Deno.readTextFile(new URL("../.env.example", import.meta.url));
  equal(committed, envExample(), "run deno task env:example to write it again");
  for (const name of ["AUTH_TOKEN", "CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD"]) ok(committed.includes(`\n${name}=`));
});
