/**
 * The ClickHouse cluster layout (`sql/clickhouse/cluster/`, `deploy/clickhouse/cluster/`) on the ClickHouse engine
 * (chdb 3.4 = ClickHouse 26.7, in a child process behind `support/clickhouse_http.ts`), as far as one process can
 * stand for a cluster.
 *
 * Checked:
 * - every statement of the rendered cluster SQL parses (`formatQuery`), `ON CLUSTER` included, and each
 *   single-node migration and view file has its cluster counterpart;
 * - each node's committed config (`cluster.xml`, its `node-*.xml`, `users.xml`, with the credentials of
 *   `.env.example`) loads in the engine: its macros, `ticket_triage` as 2 shards x 2 replicas of the four nodes
 *   with the `.env` user, `distributed_foreground_insert` in the default profile;
 * - on one node of each shard, every statement runs as written except `ON CLUSTER`: replicated tables are
 *   created in Keeper (chdb's in-process test Keeper stands in for the three keeper nodes) at the path the macros
 *   give (the shard's, or the one all nodes share), Distributed tables over the cluster with their sharding keys,
 *   the Kafka-engine table with its consumer group, the views;
 * - those tables are the single node's (sql/clickhouse/ applied to another engine): the same columns, types,
 *   defaults, codecs, partition and sorting keys and version columns; each Distributed table has its local
 *   table's columns; the views are the single node's, word for word;
 * - on a stand-in cluster whose shard 1 is this engine and whose shard 2 cannot be reached (replicated engines
 *   swapped for their plain counterparts, which chdb can write; the Kafka table for a Null table with its virtual
 *   columns): messages go through the views into the Distributed tables, every copy of a ticket lands on the
 *   shard cityHash64(ticket_id) picks (shard 2's wait in the distribution queue), the ClickHouse store reads the
 *   latest copy of each ticket among done uploads through the Distributed table with uploads and overrides local,
 *   and `db:migrate` refuses the layout;
 * - `src/commands/db_cluster_sql.ts` prints the same statements, in order, placeholders filled.
 *
 * Not checked, as it needs servers this machine cannot run: `ON CLUSTER` through Keeper's DDL queue; replication
 * between replicas (a chdb replicated table stays read-only: its inserts never finish); Distributed reads and
 * inserts over the network (to shard 2, a replica's failover, foreground inserts); Kafka consumers of four nodes
 * sharing partitions; real Keeper nodes (the keeper-N.xml files are only read, by compose_test.ts).
 */
import assert from "node:assert/strict";
import { createClient } from "@clickhouse/client";
import { DATABASE, loadClusterSql, loadMigrations, loadViews } from "../src/store/clickhouse_migrations.ts";
import { openClickHouseStore } from "../src/store/clickhouse_store.ts";
import { type ClickHouseServer, startClickHouseServer } from "../scripts/clickhouse/server.ts";
import { needing } from "../scripts/means.ts";
import { scoredTicket } from "./support/tickets.ts";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);
const DEPLOY = new URL("deploy/clickhouse/cluster/", ROOT);
const VALUES = { kafkaBrokers: ["127.0.0.1:9"], kafkaGroup: "clickhouse_cluster" };
const NODES = ["s1r1", "s1r2", "s2r1", "s2r2"];
const ON_CLUSTER = / ON CLUSTER '\{cluster\}'/;

/** The credentials the nodes read from .env (as `cp .env.example .env` leaves them). */
const ENV = Object.fromEntries(
  Deno.readTextFileSync(new URL(".env.example", ROOT)).split("\n").filter((l) => /^CLICKHOUSE_\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
);

/** Every statement of the cluster layout, rendered, in order. */
async function clusterStatements(): Promise<string[]> {
  return (await loadClusterSql(VALUES)).flatMap((file) => file.statements);
}

/** A statement as one node runs it: chdb has no distributed DDL queue, so without `ON CLUSTER`. */
function onOneNode(statement: string): string {
  return statement.replace(new RegExp(ON_CLUSTER, "g"), "");
}

/** The users file a server image ships (users.d/ is merged into it): a default user and profile. */
const USERS = `<clickhouse>
  <profiles><default>{settings}</default></profiles>
  <users><default><password></password><networks><ip>::/0</ip></networks><profile>default</profile>
    <quota>default</quota></default></users>
  <quotas><default></default></quotas>
</clickhouse>`;

/**
 * A config folder as a node's server would read it: `config.xml` with `config.d/` and `users.d/` beside it.
 * `files` are written into it (relative path → text).
 */
async function configFolder(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "chdb-config-" });
  const config = `<clickhouse><users_config>${dir}/users.xml</users_config></clickhouse>`;
  for (const [path, text] of Object.entries({ "config.xml": config, ...files })) {
    await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  return `${dir}/config.xml`;
}

/** The committed config of one node, Keeper swapped for chdb's in-process test Keeper. */
function nodeConfig(node: string): Promise<string> {
  const committed = (file: string) => Deno.readTextFileSync(new URL(file, DEPLOY));
  return configFolder({
    "users.xml": USERS.replace("{settings}", ""),
    "config.d/cluster.xml": committed("cluster.xml"),
    "config.d/node.xml": committed(`node-${node}.xml`),
    "config.d/zz-test-keeper.xml":
      `<clickhouse><zookeeper replace="replace"><implementation>testkeeper</implementation></zookeeper></clickhouse>`,
    "users.d/cluster.xml": committed("users.xml"),
  });
}

async function withServer(
  configFile: string | undefined,
  work: (server: ClickHouseServer) => Promise<void>,
): Promise<void> {
  try {
    const server = await startClickHouseServer({ configFile, env: ENV });
    try {
      await work(server);
    } finally {
      await server.close();
    }
  } finally {
    if (configFile) await Deno.remove(configFile.replace(/\/config\.xml$/, ""), { recursive: true });
  }
}

/** A string literal for SQL. */
function literal(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** What the engine says a table of db_tickets is: its columns and keys. */
async function describe(server: ClickHouseServer, table: string) {
  const columns = await server.sql(
    `SELECT name, type, default_kind, default_expression, compression_codec FROM system.columns
     WHERE database = '${DATABASE}' AND table = '${table}' ORDER BY position`,
  );
  const [info] = await server.sql(
    `SELECT engine, engine_full, partition_key, sorting_key, primary_key, create_table_query FROM system.tables
     WHERE database = '${DATABASE}' AND name = '${table}'`,
  );
  assert.ok(info, `${DATABASE}.${table} exists`);
  return { columns, info: info as Record<string, string> };
}

Deno.test("cluster SQL: every single-node migration and view has its cluster counterpart, in the same order", async () => {
  const single = [
    ...(await loadMigrations(VALUES)).map((m) => m.file),
    ...(await loadViews(VALUES)).map((v) => `views/${v.file}`),
  ];
  assert.deepEqual((await loadClusterSql(VALUES)).map((f) => f.file), single);
  for (const statement of await clusterStatements()) {
    assert.doesNotMatch(statement, /\{\{|\}\}/, "every placeholder is filled");
    // Only the ALTERs of a table on every node go without ON CLUSTER (0005 says why).
    if (!/^ALTER TABLE db_tickets\.uploads /m.test(statement)) assert.match(statement, ON_CLUSTER, statement);
  }
});

Deno.test("cluster SQL: src/commands/db_cluster_sql.ts prints every statement in order, placeholders filled", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", fileURLToPath(new URL("../src/commands/db_cluster_sql.ts", import.meta.url))],
    env: { KAFKA_BROKERS: "kafka:9092" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const text = new TextDecoder().decode(out.stdout);
  const expected = await loadClusterSql({ kafkaBrokers: ["kafka:9092"], kafkaGroup: "clickhouse_cluster" });
  assert.deepEqual(
    [...text.matchAll(/^-- sql\/clickhouse\/cluster\/(\S+)$/gm)].map((m) => m[1]),
    expected.map((f) => f.file),
  );
  assert.equal(
    text,
    expected.map((f) => `-- sql/clickhouse/cluster/${f.file}\n${f.statements.map((s) => `${s};\n\n`).join("")}`).join(
      "",
    ),
  );
  assert.match(text, /kafka_broker_list = 'kafka:9092'/);
  assert.match(text, /kafka_group_name = 'clickhouse_cluster'/);
});

Deno.test(
  await needing(["chdb"], {
    name: "cluster SQL: every statement parses on the ClickHouse engine, ON CLUSTER included",
    fn: () =>
      withServer(undefined, async (server) => {
        for (const statement of await clusterStatements()) {
          const [{ formatted }] = await server.sql(`SELECT formatQuery(${literal(statement)}) AS formatted`);
          if (ON_CLUSTER.test(statement)) assert.match(String(formatted), /ON CLUSTER `\{cluster\}`/);
        }
      }),
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "cluster config: each node's committed files load: its macros, the 2 x 2 cluster, the default profile",
    fn: async () => {
      for (const [i, node] of NODES.entries()) {
        await withServer(await nodeConfig(node), async (server) => {
          const macros = Object.fromEntries(
            (await server.sql("SELECT macro, substitution FROM system.macros")).map((r) => [r.macro, r.substitution]),
          );
          assert.deepEqual(macros, {
            cluster: "ticket_triage",
            shard: String(Math.floor(i / 2) + 1),
            replica: `clickhouse-${node}`,
          });
          const cluster = await server.sql(
            `SELECT shard_num, replica_num, host_name, port, user FROM system.clusters
             WHERE cluster = getMacro('cluster') ORDER BY shard_num, replica_num`,
          );
          assert.deepEqual(
            cluster,
            NODES.map((n, j) => ({
              shard_num: Math.floor(j / 2) + 1,
              replica_num: (j % 2) + 1,
              host_name: `clickhouse-${n}`,
              port: 9000,
              user: ENV.CLICKHOUSE_USER,
            })),
          );
          const [setting] = await server.sql(
            "SELECT value FROM system.settings WHERE name = 'distributed_foreground_insert'",
          );
          assert.equal(setting.value, "1", "users.xml reaches the default profile");
        });
      }
    },
  }),
);

/** The tables of the single-node layout, as the engine describes them (computed once). */
let singleNode: Promise<Map<string, Awaited<ReturnType<typeof describe>>>> | null = null;

/** The single-node schema, for comparison: every file of sql/clickhouse/ as db:migrate renders it. */
function singleNodeTables(): Promise<Map<string, Awaited<ReturnType<typeof describe>>>> {
  singleNode ??= (async () => {
    const tables = new Map<string, Awaited<ReturnType<typeof describe>>>();
    await withServer(undefined, async (server) => {
      for (const file of [...await loadMigrations(VALUES), ...await loadViews(VALUES)]) {
        for (const statement of file.statements) await server.sql(statement);
      }
      const names = await server.sql(`SELECT name FROM system.tables WHERE database = '${DATABASE}'`);
      for (const { name } of names) tables.set(String(name), await describe(server, String(name)));
    });
    return tables;
  })();
  return singleNode;
}

/** Columns the cluster's ALTERs add (0005), which a read-only chdb replica cannot take. */
async function alteredColumns(): Promise<string[]> {
  return (await clusterStatements()).flatMap((s) =>
    [...s.matchAll(/ADD COLUMN IF NOT EXISTS (\w+)/g)].map((m) => m[1])
  );
}

Deno.test(
  await needing(["chdb"], {
    name: "cluster SQL: runs on a node of each shard, with the single node's tables, Keeper paths by shard",
    fn: async () => {
      const single = await singleNodeTables();
      const altered = await alteredColumns();
      assert.deepEqual(altered, ["uploaded_by", "updated_at"]);
      for (const node of ["s1r1", "s2r2"]) {
        const shard = node[1];
        await withServer(await nodeConfig(node), async (server) => {
          // A chdb replica is read-only (no replication threads), so the ALTERs of 0005 cannot run here; they run
          // in the stand-in cluster's test below, on plain engines.
          const statements = (await clusterStatements()).filter((s) => !/^ALTER TABLE/m.test(s));
          for (const statement of statements) await server.sql(onOneNode(statement));
          for (const statement of statements) await server.sql(onOneNode(statement)); // idempotent

          const engines = Object.fromEntries(
            (await server.sql(`SELECT name, engine FROM system.tables WHERE database = '${DATABASE}'`))
              .map((r) => [r.name, r.engine]),
          );
          assert.deepEqual(engines, {
            tickets_local: "ReplicatedReplacingMergeTree",
            tickets: "Distributed",
            uploads: "ReplicatedReplacingMergeTree",
            tickets_scored_queue: "Kafka",
            tickets_dead_letter_local: "ReplicatedMergeTree",
            tickets_dead_letter: "Distributed",
            dead_letters: "ReplicatedMergeTree",
            overrides: "ReplicatedMergeTree",
            tickets_scored_mv: "MaterializedView",
            tickets_scored_dead_letter_mv: "MaterializedView",
          });
          // Keeper paths: sharded tables under their shard, the tables on every node under one shared path.
          const replicas = await server.sql(
            `SELECT table, zookeeper_path, replica_name FROM system.replicas WHERE database = '${DATABASE}'
             ORDER BY table`,
          );
          assert.deepEqual(
            replicas,
            [
              ["dead_letters", "all"],
              ["overrides", "all"],
              ["tickets_dead_letter_local", shard],
              ["tickets_local", shard],
              ["uploads", "all"],
            ].map(([table, path]) => ({
              table,
              zookeeper_path: `/clickhouse/tables/${path}/${DATABASE}/${table}`,
              replica_name: `clickhouse-${node}`,
            })),
          );

          // Each local or replicated table is the single node's table, engine aside.
          for (
            const [table, twin] of [
              ["tickets_local", "tickets"],
              ["uploads", "uploads"],
              ["tickets_dead_letter_local", "tickets_dead_letter"],
              ["overrides", "overrides"],
              ["dead_letters", "dead_letters"],
            ]
          ) {
            const { columns, info } = await describe(server, table);
            const expected = single.get(twin)!;
            assert.deepEqual(
              columns,
              expected.columns.filter((c) => !(twin === "uploads" && altered.includes(String(c.name)))),
              `${table}: the columns of the single node's ${twin}`,
            );
            for (const key of ["partition_key", "sorting_key", "primary_key"] as const) {
              assert.equal(info[key], expected.info[key], `${table}: ${key}`);
            }
            assert.equal(info.engine, `Replicated${expected.info.engine}`);
            // The engine without its replication arguments (Keeper path, replica) is the single node's, version
            // column, partitioning, order and TTL included.
            const plain = info.engine_full.replace(
              /^Replicated(\w+)\('[^']*', '[^']*'(?:, ([^)]*))?\)/,
              (_, e, v) => v ? `${e}(${v})` : e,
            );
            assert.equal(plain, expected.info.engine_full, table);
          }
          // The Kafka-engine table and the views are the single node's exactly (the views write to the same
          // names, which are Distributed tables here).
          for (const table of ["tickets_scored_queue", "tickets_scored_mv", "tickets_scored_dead_letter_mv"]) {
            const { info } = await describe(server, table);
            assert.equal(info.create_table_query, single.get(table)!.info.create_table_query, table);
          }
          for (
            const [table, local, key] of [
              ["tickets", "tickets_local", "cityHash64(ticket_id)"],
              ["tickets_dead_letter", "tickets_dead_letter_local", "cityHash64(partition, offset)"],
            ]
          ) {
            const { columns, info } = await describe(server, table);
            assert.deepEqual(columns, (await describe(server, local)).columns, `${table}: the columns of ${local}`);
            assert.equal(info.engine_full, `Distributed('{cluster}', '${DATABASE}', '${local}', ${key})`);
          }
        });
      }
    },
  }),
);

/**
 * A stand-in for the cluster that one engine can be: `ticket_triage` with this engine as shard 1's first replica
 * (a host and port of its own: it reads and writes that shard's tables in-process) and the other three unreachable.
 * Reads skip the unreachable shard; inserts go through the Distributed tables' background queue (the committed
 * profile's foreground inserts would wait for shard 2).
 */
function standInConfig(): Promise<string> {
  const replica = (host: string) => `<replica><host>${host}</host><port>9000</port></replica>`;
  return configFolder({
    "users.xml": USERS.replace("{settings}", "<skip_unavailable_shards>1</skip_unavailable_shards>"),
    "config.d/stand-in.xml": `<clickhouse>
      <tcp_port>9000</tcp_port>
      <macros><cluster>ticket_triage</cluster><shard>1</shard><replica>clickhouse-s1r1</replica></macros>
      <remote_servers><ticket_triage>
        <shard><internal_replication>true</internal_replication>${replica("localhost")}${
      replica("clickhouse-s1r2")
    }</shard>
        <shard><internal_replication>true</internal_replication>${replica("clickhouse-s2r1")}${
      replica("clickhouse-s2r2")
    }</shard>
      </ticket_triage></remote_servers>
    </clickhouse>`,
  });
}

/**
 * A statement as the stand-in runs it: without ON CLUSTER; a replicated engine as its plain counterpart (same
 * version column); the Kafka table as a Null table with the Kafka engine's virtual columns as real ones, so that
 * rows inserted into it go through the views exactly as consumed messages would.
 */
function onStandIn(statement: string): string {
  const plain = onOneNode(statement)
    .replace(
      /Replicated(\w+)\('[^']*', '\{replica\}'(?:, ([^)]*))?\)/,
      (_, engine, version) => version ? `${engine}(${version})` : `${engine}()`,
    );
  if (!/ENGINE = Kafka/.test(plain)) return plain;
  return `CREATE TABLE IF NOT EXISTS ${DATABASE}.tickets_scored_queue (schema_version UInt16, value String,
    _topic LowCardinality(String), _partition UInt64, _offset UInt64, _error String, _raw_message String)
    ENGINE = Null`;
}

Deno.test(
  await needing(["chdb"], {
    name: "cluster SQL on a stand-in cluster: the views route every copy of a ticket to one shard; the store reads it",
    fn: async () =>
      await withServer(await standInConfig(), async (server) => {
        const [local] = await server.sql(
          "SELECT is_local FROM system.clusters WHERE cluster = 'ticket_triage' AND shard_num = 1 AND replica_num = 1",
        );
        assert.equal(local.is_local, 1, "the engine is shard 1's first replica");
        const statements = await clusterStatements();
        assert.equal(statements.filter((s) => /ENGINE = Kafka/.test(s)).length, 1);
        for (const statement of statements) await server.sql(onStandIn(statement));
        // With the ALTERs of 0005 run, the tables on every node have exactly the single node's columns.
        const single = await singleNodeTables();
        for (const table of ["uploads", "overrides"]) {
          assert.deepEqual((await describe(server, table)).columns, single.get(table)!.columns, table);
        }

        const store = await openClickHouseStore({ url: server.url });
        const client = createClient({ url: server.url });
        try {
          // Shard 1 is to hold exactly the tickets cityHash64(ticket_id) sends to it (weights 1 and 1: an even
          // hash); the others go to shard 2.
          const ids = Array.from({ length: 12 }, (_, i) => String(i + 1));
          const [{ mine }] = await server.sql(
            `SELECT arrayFilter(id -> cityHash64(id) % 2 = 0, [${ids.map(literal).join(", ")}]) AS mine`,
          );
          const shard1 = (mine as string[]).sort();
          assert.ok(shard1.length > 0 && shard1.length < ids.length, `both shards get tickets: ${shard1}`);
          const failed = shard1.find((id) => Number(id) > 6);
          assert.ok(failed, "a shard-1 ticket that only the first upload has");

          // Two uploads done, one failed; tickets 1-12 in the first, 1-6 again in the second, 1-3 of those scored
          // again (a redelivery), one of shard 1's again in the failed one; then a message that did not parse, and
          // one of an unknown schema version.
          const upload = (upload_id: string, status: "done" | "failed") =>
            store.saveUpload({
              upload_id,
              created_at: "2024-05-01T10:00:00.000Z",
              filename: `${upload_id}.csv`,
              bytes: 1,
              uploaded_by: null,
              status,
              summary: null,
              failure: status === "failed" ? "cut off" : null,
            });
          await upload("u1", "done");
          await upload("u2", "done");
          await upload("u3", "failed");
          const copies = [
            ...ids.map((id) =>
              scoredTicket({ ticket_id: id, upload_id: "u1", ingested_at: "2024-05-01T10:00:00.000Z" })
            ),
            ...ids.slice(0, 6).map((id) =>
              scoredTicket({
                ticket_id: id,
                upload_id: "u2",
                ingested_at: "2024-05-02T10:00:00.000Z",
                scored_at: "2024-05-02T10:00:01.000Z",
                priority_pred: "High",
              })
            ),
            ...ids.slice(0, 3).map((id) =>
              scoredTicket({
                ticket_id: id,
                upload_id: "u2",
                ingested_at: "2024-05-02T10:00:00.000Z",
                scored_at: "2024-05-02T11:00:00.000Z",
                priority_pred: "Critical",
              })
            ),
            scoredTicket({ ticket_id: failed, upload_id: "u3", ingested_at: "2024-05-03T10:00:00.000Z" }),
          ];
          const message = (i: number) => ({ _topic: "tickets_scored", _partition: i % 3, _offset: i });
          await client.insert({
            table: `${DATABASE}.tickets_scored_queue`,
            format: "JSONEachRow",
            values: [
              ...copies.map((t, i) => ({
                ...message(i),
                schema_version: 1,
                value: JSON.stringify(t),
                _error: "",
                _raw_message: "",
              })),
              { ...message(100), schema_version: 0, value: "", _error: "Cannot parse JSON", _raw_message: "{oops" },
              { ...message(101), schema_version: 2, value: '{"ticket_id":"x"}', _error: "", _raw_message: "" },
            ],
          });

          // Shard 1 holds exactly its tickets, every copy of each (the failed upload's too: readers skip it); the
          // others wait in the Distributed table's queue for shard 2.
          const stored = await server.sql(
            `SELECT ticket_id, groupArray(upload_id) AS uploads FROM (SELECT ticket_id, upload_id
             FROM ${DATABASE}.tickets_local FINAL ORDER BY upload_id) GROUP BY ticket_id ORDER BY ticket_id`,
          );
          assert.deepEqual(
            stored,
            shard1.map((id) => ({
              ticket_id: id,
              uploads: copies.filter((t) => t.ticket_id === id).map((t) => t.upload_id)
                .filter((u, i, all) => all.indexOf(u) === i).sort(),
            })),
            "each shard-1 ticket with every copy (the redelivery replaced, as on one node)",
          );
          const queued = await server.sql(
            `SELECT table, sum(data_files) AS files FROM system.distribution_queue WHERE database = '${DATABASE}'
             GROUP BY table ORDER BY table`,
          );
          assert.ok(queued.some((q) => q.table === "tickets" && Number(q.files) > 0), "shard 2's tickets queued");

          // The store, unchanged, reads through the Distributed table: the latest copy among done uploads.
          const { rows, total } = await store.listTickets({ limit: 100, offset: 0 });
          assert.equal(total, shard1.length);
          assert.deepEqual(
            rows.map((r) => [r.ticket_id, r.upload_id, r.priority_pred]),
            shard1.map((id) => {
              const n = Number(id);
              return [id, n <= 6 ? "u2" : "u1", n <= 3 ? "Critical" : n <= 6 ? "High" : "Medium"];
            }),
            "u2's copies win over u1's, the re-score over the first score, and u3 (failed) never counts",
          );
          const agent = await store.overridePriority(shard1[0], "Low", "ana");
          assert.equal(agent?.priority_label, "Low", "an override (on every node) applies to its ticket");

          // Dead letters go the same way, by partition and offset.
          const dead = await server.sql(
            `SELECT offset, error FROM ${DATABASE}.tickets_dead_letter_local ORDER BY offset`,
          );
          const [{ deadMine }] = await server.sql(
            "SELECT arrayFilter(o -> cityHash64(toUInt64(o % 3), toUInt64(o)) % 2 = 0, [100, 101]) AS deadMine",
          );
          assert.deepEqual(dead.map((d) => d.offset), deadMine);
          for (const d of dead) assert.match(String(d.error), d.offset === 100 ? /Cannot parse/ : /schema_version 2/);

          // db:migrate manages one node's layout: it refuses this one and changes nothing.
          await assert.rejects(store.migrate(VALUES), /Distributed table: this is the cluster layout/);
          const [{ n }] = await server.sql(
            `SELECT count() AS n FROM system.tables WHERE database = '${DATABASE}' AND name = 'schema_migrations'`,
          );
          assert.equal(n, 0);
        } finally {
          await client.close();
          await store.close();
        }
      }),
  }),
);
