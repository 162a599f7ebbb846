/**
 * docker-compose.yml as `docker compose` itself reads it: loaded with compose-go
 * (github.com/compose-spec/compose-go/v2, the loader inside `docker compose`; `support/compose_check/`, built by
 * `deno task setup`), which validates the file against the Compose Specification's schema, interpolates it,
 * resolves profiles, anchors and merge keys, reads the env files, makes paths absolute and checks that every
 * dependency names a service that is enabled.
 *
 * The project is laid out as the README says to run it: the compose file beside a `.env` copied from
 * `.env.example`, in a temporary directory (the checker reads no other file: build contexts and bind-mounted
 * files are resolved as paths, and compose_test.ts checks those exist in the repository). Checked: which services
 * each profile enables (none of the cluster's without `--profile cluster`), the credentials reaching services
 * from the env file, bind mounts and named volumes as Docker would mount them, the default network, the health-
 * gated dependencies as resolved, and that a missing AUTH_TOKEN stops the load. Not checked: anything Docker
 * does after loading (pulling images, building, starting containers), which needs a daemon this machine lacks.
 */
import assert from "node:assert/strict";
import { composeCheck, type ResolvedProject } from "../scripts/compose_check.ts";
import { needing } from "../scripts/means.ts";

const ROOT = new URL("../", import.meta.url);

const DEFAULT_SERVICES = ["clickhouse", "clickhouse-migrate", "kafka", "kafka-setup", "marts", "scorer", "web"];
const KEEPERS = ["keeper-1", "keeper-2", "keeper-3"];
const NODES = ["clickhouse-s1r1", "clickhouse-s1r2", "clickhouse-s2r1", "clickhouse-s2r2"];

/** Changes made to the project's files before loading, to see the loader refuse them. */
interface Edits {
  env?: (text: string) => string;
  compose?: (text: string) => string;
}

/** A temporary project: docker-compose.yml and `.env` (from .env.example), as committed or edited. */
async function withProject(work: (dir: string) => Promise<void>, edits: Edits = {}): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "compose-go-" });
  const { env = (text) => text, compose = (text) => text } = edits;
  try {
    const file = await Deno.readTextFile(new URL("docker-compose.yml", ROOT));
    await Deno.writeTextFile(`${dir}/docker-compose.yml`, compose(file));
    await Deno.writeTextFile(`${dir}/.env`, env(await Deno.readTextFile(new URL(".env.example", ROOT))));
    await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function load(dir: string, profiles: string[] = []): Promise<ResolvedProject> {
  const result = await composeCheck(dir, profiles);
  if (!result.ok) assert.fail(`compose-go refused docker-compose.yml: ${result.error}`);
  return result.project;
}

Deno.test(
  await needing(["compose-go"], {
    name: "compose-go: a plain docker compose up starts the default stack, none of the cluster",
    fn: () =>
      withProject(async (dir) => {
        const project = await load(dir);
        assert.equal(project.name, "ticket-triage");
        assert.deepEqual(Object.keys(project.services).sort(), DEFAULT_SERVICES);
        assert.deepEqual(project.disabled_services.sort(), [...NODES, ...KEEPERS, "trainer"].sort());
        // As `up` creates them: the cluster's volumes only come with its services.
        assert.deepEqual(Object.keys(project.volumes ?? {}).sort(), [
          "clickhouse-data",
          "clickhouse-logs",
          "kafka-data",
          "marts-data",
          "models-data",
          "web-data",
        ]);
        assert.deepEqual(project.networks, { default: { ipam: {}, name: "ticket-triage_default" } });
        // Credentials arrive from .env through env_file; the token guard interpolated from it.
        const web = project.services.web;
        assert.deepEqual(web.env_file, [{ path: `${dir}/.env` }]);
        assert.equal(web.environment?.CLICKHOUSE_USER, "triage");
        assert.equal(web.environment?.AUTH_TOKEN, "change-me-to-a-long-random-token");
        assert.equal(project.services.clickhouse.environment?.CLICKHOUSE_PASSWORD, "change-me");
        assert.deepEqual(web.depends_on?.["clickhouse-migrate"], {
          condition: "service_completed_successfully",
          required: true,
        });
      }),
  }),
);

Deno.test(
  await needing(["compose-go"], {
    name: "compose-go: --profile cluster adds three Keeper and four ClickHouse nodes, mounts and volumes resolved",
    fn: () =>
      withProject(async (dir) => {
        const project = await load(dir, ["cluster"]);
        assert.deepEqual(Object.keys(project.services).sort(), [...DEFAULT_SERVICES, ...NODES, ...KEEPERS].sort());
        assert.deepEqual(project.disabled_services, ["trainer"]);
        for (const name of [...NODES, ...KEEPERS]) {
          const service = project.services[name];
          assert.deepEqual(service.profiles, ["cluster"], name);
          assert.deepEqual(Object.keys(service.networks ?? {}), ["default"], `${name} joins the default network`);
          const volume = `${name}-data`;
          assert.deepEqual(project.volumes?.[volume], { name: `ticket-triage_${volume}` }, `${name}: ${volume}`);
          const binds = (service.volumes ?? []).filter((v) => v.type === "bind");
          const named = (service.volumes ?? []).filter((v) => v.type === "volume");
          assert.deepEqual(named.map((v) => [v.source, v.target]), [[volume, "/var/lib/clickhouse"]], name);
          for (const bind of binds) {
            // Resolved against the project directory, as Docker would mount it; read-only.
            assert.ok(bind.source.startsWith(`${dir}/deploy/clickhouse/cluster/`), `${name}: ${bind.source}`);
            assert.equal(bind.read_only, true, `${name}: ${bind.target} read-only`);
          }
          assert.equal(binds.length, name.startsWith("keeper-") ? 1 : 3, `${name}: its config files`);
        }
        const s2r1 = project.services["clickhouse-s2r1"];
        assert.deepEqual(
          (s2r1.volumes ?? []).filter((v) => v.type === "bind").map((v) => [v.source.slice(dir.length + 1), v.target]),
          [
            ["deploy/clickhouse/cluster/cluster.xml", "/etc/clickhouse-server/config.d/cluster.xml"],
            ["deploy/clickhouse/cluster/node-s2r1.xml", "/etc/clickhouse-server/config.d/node.xml"],
            ["deploy/clickhouse/cluster/users.xml", "/etc/clickhouse-server/users.d/cluster.xml"],
          ],
        );
        // The anchors and merge keys resolved to the same pinned images and health-gated start as written.
        for (const node of NODES) {
          assert.equal(project.services[node].image, project.services.clickhouse.image);
          assert.equal(project.services[node].environment?.CLICKHOUSE_USER, "triage", "the nodes' user from .env");
          assert.deepEqual(
            project.services[node].depends_on,
            Object.fromEntries(KEEPERS.map((k) => [k, { condition: "service_healthy", required: true }])),
          );
        }
        for (const keeper of KEEPERS) {
          assert.match(project.services[keeper].image ?? "", /^clickhouse\/clickhouse-keeper:/);
        }
      }),
  }),
);

Deno.test(
  await needing(["compose-go"], {
    name: "compose-go: without AUTH_TOKEN in .env the project does not load, naming the variable",
    fn: () =>
      withProject(async (dir) => {
        const result = await composeCheck(dir, ["cluster"]);
        assert.equal(result.ok, false);
        if (!result.ok) assert.match(result.error, /required variable AUTH_TOKEN is missing a value/);
      }, { env: (env) => env.replace(/^AUTH_TOKEN=.*$/m, "") }),
  }),
);

Deno.test(
  await needing(["compose-go"], {
    name: "compose-go: the file is held to the Compose Specification's schema (a misspelt condition is refused)",
    fn: () =>
      withProject(async (dir) => {
        const result = await composeCheck(dir, ["cluster"]);
        assert.equal(result.ok, false);
        // Any of the four nodes (they share the anchor) may be the one named: the loader's order varies.
        if (!result.ok) {
          assert.match(result.error, /clickhouse-s\dr\d\.depends_on\.keeper-1\.condition value must be one of/);
        }
      }, {
        compose: (text) => text.replace(/(keeper-1:\n\s+condition: )service_healthy/, "$1service_healty"),
      }),
  }),
);
