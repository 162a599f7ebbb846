/**
 * The production stack's compose file, checked without Docker (none runs here): pinned images (Kafka at the
 * version the tests run), env names the code actually reads, credentials only from the env file whose example is
 * committed, existing init files and entry points, health-gated start order, named volumes, no host port clashes.
 * The `cluster` profile (ClickHouse 2 shards x 2 replicas, three Keeper nodes): only with the profile, images
 * pinned to the single node's version, every mounted config file present and well-formed XML, and the files
 * agreeing with each other and with the services (macros unique per replica, the 2 x 2 layout, one Keeper
 * quorum, every macro the cluster SQL uses defined). compose_go_test.ts loads the same file with compose-go.
 */
import { SETTINGS } from "../src/config.ts";
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
  profiles?: string[];
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

/** The services of the `cluster` profile: the ClickHouse cluster and its Keeper nodes. */
const CLUSTER_SERVICES = [
  "keeper-1",
  "keeper-2",
  "keeper-3",
  ...["s1r1", "s1r2", "s2r1", "s2r2"].map((n) => `clickhouse-${n}`),
];
const CLUSTER_DIR = "deploy/clickhouse/cluster/";

/** Variables the app reads: the settings' (`src/config.ts`). */
function appVariables(): Set<string> {
  return new Set(Object.values(SETTINGS).map((setting) => setting.env));
}

Deno.test("compose: the stack has its services, and every image is pinned", () => {
  assert.deepEqual(Object.keys(services).filter((name) => !CLUSTER_SERVICES.includes(name)).sort(), [
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
    const needsCredentials = service.image?.startsWith("clickhouse/clickhouse-server:") ||
      Object.keys(service.environment ?? {}).includes("CLICKHOUSE_URL");
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
      const [source, , mode] = volume.split(":");
      // The cluster's nodes also mount their config files, read-only (checked below); everything else is a volume.
      if (CLUSTER_SERVICES.includes(name) && source.startsWith(`./${CLUSTER_DIR}`)) {
        assert.equal(mode, "ro", `${name}: ${source} is mounted read-only`);
        continue;
      }
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

// The cluster profile's config files are ClickHouse XML of a few fixed shapes, written here: elements of one name
// never nest, so a regular expression reads them. chdb loads the server files for real (clickhouse_cluster_test.ts).

/** The file's text without its comments. */
function xml(path: string): string {
  return read(path).replace(/<!--[\s\S]*?-->/g, "");
}

/** The contents of every `<name>` element. */
function elements(text: string, name: string): string[] {
  return [...text.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, "g"))].map((m) => m[1]);
}

/** The text of the one `<name>` element. */
function value(text: string, name: string): string {
  const found = elements(text, name);
  assert.equal(found.length, 1, `one <${name}> in ${text.slice(0, 80)}...`);
  return found[0].trim();
}

/** Null when every tag is closed in order under one root element, else what is wrong. */
function malformed(text: string): string | null {
  const open: string[] = [];
  let roots = 0;
  for (const [, closing, name, selfClosing] of text.matchAll(/<(\/?)([\w.-]+)(?:\s[^<>]*?)?(\/?)>/g)) {
    if (closing) {
      const top = open.pop();
      if (top !== name) return `</${name}> where ${top ? `<${top}>` : "nothing"} is open`;
    } else if (!selfClosing) {
      if (open.length === 0) roots++;
      open.push(name);
    } else if (open.length === 0) roots++;
  }
  if (open.length > 0) return `<${open.at(-1)}> is never closed`;
  return roots === 1 ? null : `${roots} root elements`;
}

/** The files a service mounts from the repository: container path → repository path. */
function mounts(name: string): Map<string, string> {
  return new Map(
    (services[name].volumes ?? []).filter((v) => v.startsWith("./")).map((v) => {
      const [source, target] = v.split(":");
      return [target, source.slice(2)];
    }),
  );
}

Deno.test("compose: the cluster profile (2 ClickHouse shards x 2 replicas, three Keeper nodes) starts only with it", () => {
  const profiled = Object.entries(services).filter(([, s]) => s.profiles?.includes("cluster")).map(([n]) => n);
  assert.deepEqual(profiled.sort(), [...CLUSTER_SERVICES].sort(), "exactly the cluster's services are in the profile");
  for (const name of CLUSTER_SERVICES) {
    assert.deepEqual(services[name].profiles, ["cluster"], `${name}: not started by a plain docker compose up`);
  }
  for (const [name, service] of Object.entries(services)) {
    if (CLUSTER_SERVICES.includes(name)) continue;
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      assert.ok(!CLUSTER_SERVICES.includes(dependency), `${name} (no profile) does not wait for ${dependency}`);
    }
  }
  // The cluster runs the single node's ClickHouse version, and Keeper of the same release.
  const server = services.clickhouse.image!;
  const version = server.split(":")[1];
  for (const name of CLUSTER_SERVICES) {
    const expected = name.startsWith("keeper-") ? `clickhouse/clickhouse-keeper:${version}` : server;
    assert.equal(services[name].image, expected, name);
  }
  // Every mounted file exists, is XML, and every file of the folder is mounted somewhere.
  const mounted = new Set<string>();
  for (const name of CLUSTER_SERVICES) {
    for (const [target, source] of mounts(name)) {
      assert.ok(source.startsWith(CLUSTER_DIR) && exists(source), `${name}: ${source} (for ${target}) exists`);
      assert.equal(malformed(xml(source)), null, `${source} is well-formed`);
      mounted.add(source);
    }
  }
  const files = [...Deno.readDirSync(new URL(CLUSTER_DIR, ROOT))].map((e) => `${CLUSTER_DIR}${e.name}`);
  assert.deepEqual([...mounted].sort(), files.sort(), "no config file in the folder goes unused");
  assert.equal(malformed("<a><b></a></b>"), "</a> where <b> is open", "the well-formedness check can fail");
});

Deno.test("compose: the cluster's config files agree: the 2 x 2 layout, macros unique per replica, one Keeper quorum", () => {
  const keepers = CLUSTER_SERVICES.filter((n) => n.startsWith("keeper-"));
  const nodes = CLUSTER_SERVICES.filter((n) => n.startsWith("clickhouse-"));
  const shared = xml(`${CLUSTER_DIR}cluster.xml`);
  for (const node of nodes) {
    assert.equal(mounts(node).get("/etc/clickhouse-server/config.d/cluster.xml"), `${CLUSTER_DIR}cluster.xml`);
    assert.equal(mounts(node).get("/etc/clickhouse-server/users.d/cluster.xml"), `${CLUSTER_DIR}users.xml`);
  }

  // remote_servers: ticket_triage, 2 shards of 2 replicas, whose hosts are the four services.
  const cluster = elements(value(shared, "remote_servers"), "ticket_triage");
  assert.equal(cluster.length, 1, "one cluster, ticket_triage");
  const shards = elements(cluster[0], "shard");
  const layout = shards.map((shard) => elements(shard, "replica").map((replica) => value(replica, "host")));
  assert.deepEqual(layout, [["clickhouse-s1r1", "clickhouse-s1r2"], ["clickhouse-s2r1", "clickhouse-s2r2"]]);
  for (const shard of shards) {
    assert.equal(value(shard, "internal_replication"), "true", "replication, not the Distributed table, copies");
    for (const replica of elements(shard, "replica")) {
      assert.equal(value(replica, "port"), "9000");
      assert.match(replica, /<user from_env="CLICKHOUSE_USER" ?\/>/, "the user comes from .env");
      assert.match(replica, /<password from_env="CLICKHOUSE_PASSWORD" ?\/>/, "the password comes from .env");
    }
  }

  // Each node's own file: its macros say where remote_servers puts it.
  const seen = new Set<string>();
  for (const node of nodes) {
    const file = mounts(node).get("/etc/clickhouse-server/config.d/node.xml");
    assert.ok(file, `${node} mounts its own node file`);
    const own = xml(file);
    const macros = value(own, "macros");
    const shard = Number(value(macros, "shard"));
    assert.equal(value(macros, "cluster"), "ticket_triage", `${node}: {cluster}`);
    assert.ok(layout[shard - 1]?.includes(node), `${node}: {shard} ${shard} is the shard that lists it`);
    assert.equal(value(macros, "replica"), node, `${node}: {replica} is its host name`);
    assert.equal(value(own, "interserver_http_host"), node, `${node}: replicas fetch parts from its service name`);
    seen.add(value(macros, "replica"));
  }
  assert.equal(seen.size, 4, "replica names are unique across the cluster (uploads share one Keeper path)");

  // Every macro the cluster SQL uses is defined on every node ({database} and {table} are ClickHouse's own).
  const sqlDir = new URL("sql/clickhouse/cluster/", ROOT);
  const sql = [...Deno.readDirSync(sqlDir)].filter((e) => e.isFile).map((e) =>
    Deno.readTextFileSync(new URL(e.name, sqlDir))
  )
    .concat(Deno.readTextFileSync(new URL("views/tickets_scored.sql", sqlDir))).join("\n");
  const used = new Set([...sql.matchAll(/(?<!\{)\{(\w+)\}(?!\})/g)].map((m) => m[1]));
  assert.deepEqual([...used].sort(), ["cluster", "database", "replica", "shard", "table"]);

  // Keeper: three nodes, distinct ids, one Raft configuration naming all three, which the servers use.
  const keeperFiles = keepers.map((k) => {
    const file = mounts(k).get("/etc/clickhouse-keeper/keeper_config.xml");
    assert.ok(file, `${k} mounts its keeper_config.xml`);
    return xml(file);
  });
  assert.deepEqual(keeperFiles.map((f) => value(f, "server_id")), ["1", "2", "3"]);
  const raft = keeperFiles.map((f) =>
    elements(value(f, "raft_configuration"), "server").map((
      s,
    ) => [value(s, "id"), value(s, "hostname"), value(s, "port")])
  );
  for (const r of raft) assert.deepEqual(r, keepers.map((k, i) => [String(i + 1), k, "9234"]), "one quorum of three");
  const clientPort = keeperFiles.map((f) => value(f, "tcp_port"));
  const zookeeper = elements(value(shared, "zookeeper"), "node").map((n) => `${value(n, "host")}:${value(n, "port")}`);
  assert.deepEqual(zookeeper, keepers.map((k, i) => `${k}:${clientPort[i]}`), "the servers use all three keepers");
  for (const [i, k] of keepers.entries()) {
    const port = value(value(keeperFiles[i], "http_control"), "port");
    assert.ok(services[k].healthcheck?.test.join(" ").includes(`:${port}/ready`), `${k}: healthcheck asks /ready`);
  }
});

Deno.test("compose: every ClickHouse node of the cluster waits for all three Keeper nodes to be healthy", () => {
  for (const node of CLUSTER_SERVICES.filter((n) => n.startsWith("clickhouse-"))) {
    assert.deepEqual(
      services[node].depends_on,
      Object.fromEntries(["keeper-1", "keeper-2", "keeper-3"].map((k) => [k, { condition: "service_healthy" }])),
      node,
    );
    assert.ok(services[node].healthcheck, `${node} reports its health`);
  }
  for (const keeper of ["keeper-1", "keeper-2", "keeper-3"]) assert.ok(services[keeper].healthcheck, keeper);
});
