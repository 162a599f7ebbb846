/**
 * The production stack's compose file, checked without Docker (none runs here): pinned images (Kafka at the
 * version the tests run), env names the code actually reads, credentials only from the env file whose example is
 * committed, existing init files and entry points, health-gated start order, named volumes, no host port clashes.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { KAFKA_VERSION } from "../scripts/kafka/jars.ts";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, ROOT));
const exists = (path: string) => {
  try {
    Deno.statSync(new URL(path, ROOT));
    return true;
  } catch {
    return false;
  }
};

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read("docker-compose.yml"), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** Variables the app reads: every name config.ts reads, plus the ClickHouse credentials the store reads. */
function appVariables(): Set<string> {
  const names = new Set<string>();
  for (const m of read("src/config.ts").matchAll(/(?:get|integer)\("([A-Z_]+)"/g)) names.add(m[1]);
  for (const m of read("src/store/clickhouse_store.ts").matchAll(/env\.([A-Z_]+)/g)) names.add(m[1]);
  return names;
}

Deno.test("compose: the stack has its services, and every image is pinned", () => {
  assert.deepEqual(Object.keys(services).sort(), [
    "clickhouse",
    "clickhouse-migrate",
    "kafka",
    "kafka-setup",
    "marts",
    "scorer",
    "trainer",
    "web",
  ]);
  assert.equal(services.kafka.image, `apache/kafka:${KAFKA_VERSION}`, "Kafka as the tests run it");
  for (const [name, service] of Object.entries(services)) {
    assert.ok(service.image, `${name} names its image`);
    if (service.build) continue; // built from the Dockerfile, whose base is checked below
    assert.match(service.image, /^[\w./-]+:\d+(\.\d+)+[\w.-]*$/, `${name}: ${service.image} is pinned to a version`);
  }
  const from = [...read("Dockerfile").matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  assert.ok(from.length > 0);
  for (const image of from) assert.match(image, /:[\w-]*\d+\.\d+\.\d+$/, `Dockerfile base ${image} is pinned`);
});

Deno.test("compose: environment names are ones the code reads; credentials only from the env file", () => {
  const known = appVariables();
  assert.ok(known.has("CLICKHOUSE_URL") && known.has("CLICKHOUSE_PASSWORD") && known.has("KAFKA_BROKERS"));
  for (const [name, service] of Object.entries(services)) {
    if (!service.build) continue;
    for (const variable of Object.keys(service.environment ?? {})) {
      assert.ok(known.has(variable), `${name}: ${variable} is not read by src/config.ts or the ClickHouse store`);
    }
  }
  const example = read(".env.example").split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]);
  assert.deepEqual(example.sort(), ["AUTH_TOKEN", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_USER"]);
  for (const variable of example) assert.ok(known.has(variable), `${variable} is read by the app`);
  for (const [name, service] of Object.entries(services)) {
    for (const variable of Object.keys(service.environment ?? {})) {
      assert.doesNotMatch(
        variable,
        /PASSWORD|SECRET|KEY/,
        `${name}: ${variable} belongs in .env, not the compose file`,
      );
    }
    const needsCredentials = name === "clickhouse" || Object.keys(service.environment ?? {}).includes("CLICKHOUSE_URL");
    if (needsCredentials) assert.deepEqual(service.env_file, [".env"], `${name} reads credentials from .env`);
  }
});

Deno.test("compose: the web server listens beyond loopback only with a token, which comes from .env", () => {
  const web = services.web.environment ?? {};
  assert.equal(web.HOST, "0.0.0.0", "reachable from the other containers and the published port");
  assert.match(web.AUTH_TOKEN, /^\$\{AUTH_TOKEN:\?.+\}$/, "compose refuses to start without AUTH_TOKEN in .env");
  assert.deepEqual(services.trainer.env_file, [".env"], "the trainer reads the token to ask the web server");
  for (const [name, service] of Object.entries(services)) {
    if (name !== "web") assert.equal(service.environment?.HOST, undefined, `${name} keeps its health port on loopback`);
  }
});

Deno.test("compose: init files and entry points exist", () => {
  const migrations = [...Deno.readDirSync(new URL("sql/clickhouse/", ROOT))].filter((e) => e.name.endsWith(".sql"));
  assert.ok(migrations.length >= 3, "sql/clickhouse holds the migrations");
  const tasks = (JSON.parse(read("deno.json")) as { tasks: Record<string, string> }).tasks;
  for (const [name, service] of Object.entries(services)) {
    const command = service.command ?? [];
    if (command[0] !== "deno") continue;
    if (command[1] === "task") assert.ok(tasks[command[2]], `${name}: deno task ${command[2]} exists`);
    for (const arg of command.filter((a) => a.endsWith(".ts"))) assert.ok(exists(arg), `${name}: ${arg} exists`);
  }
  assert.deepEqual(services["clickhouse-migrate"].command, ["deno", "task", "db:migrate"]);
  for (const file of ["Dockerfile", "Dockerfile.trainer"]) {
    for (const m of read(file).matchAll(/\b([\w/]+\.ts)\b/g)) assert.ok(exists(m[1]), `${file}: ${m[1]}`);
  }
});

Deno.test("compose: start order is health-gated and every dependency can report what it waits for", () => {
  for (const [name, service] of Object.entries(services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      assert.ok(services[dependency], `${name} depends on ${dependency}, which exists`);
      assert.ok(
        ["service_healthy", "service_completed_successfully", "service_started"].includes(condition),
        `${name} → ${dependency}: ${condition}`,
      );
      if (condition === "service_healthy") {
        assert.ok(services[dependency].healthcheck, `${dependency} has a healthcheck`);
      }
    }
  }
  for (const name of ["kafka", "clickhouse", "scorer", "web"]) {
    assert.ok(services[name].healthcheck, `${name} healthcheck`);
  }
  assert.equal(services["clickhouse-migrate"].depends_on?.clickhouse.condition, "service_healthy");
  assert.equal(services.web.depends_on?.["clickhouse-migrate"].condition, "service_completed_successfully");
});

Deno.test("compose: named volumes, no host port clashes, the scorer can scale", () => {
  const hostPorts: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(":")[0];
      assert.ok(compose.volumes[source] !== undefined, `${name}: ${source} is a declared named volume`);
    }
    for (const port of service.ports ?? []) {
      const parts = String(port).split(":");
      hostPorts.push(parts.length === 3 ? `${parts[0]}:${parts[1]}` : `0.0.0.0:${parts[0]}`);
    }
  }
  const byPort = hostPorts.map((p) => p.split(":")[1]);
  assert.equal(new Set(byPort).size, byPort.length, `host ports are distinct: ${hostPorts.join(", ")}`);
  assert.equal(services.scorer.ports, undefined, "a scaled service publishes no host port");
});
