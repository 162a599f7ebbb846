/**
 * Prints the ClickHouse cluster layout (`sql/clickhouse/cluster/`) rendered for `clickhouse-client --multiquery`,
 * in the order it is applied: the versioned files, then the views. The placeholders are filled in as
 * `db:migrate` fills them for one node (ticket columns from the schema, the brokers from `KAFKA_BROKERS`). It
 * only prints: `ON CLUSTER` statements need Keeper and the whole cluster, which `db:migrate` does not assume.
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { loadClusterSql } from "../store/clickhouse_migrations.ts";

const HELP = `Usage: deno task db:cluster-sql [--group NAME]

Prints sql/clickhouse/cluster/ rendered, in the order to apply it, for clickhouse-client --multiquery on any
one node of the cluster (sql/clickhouse/cluster/README.md). KAFKA_BROKERS is where the nodes' Kafka-engine
tables read tickets_scored, as the ClickHouse nodes reach it (kafka:9092 in docker-compose.yml).

Options:
  --group NAME  the consumer group every node's Kafka-engine table joins (default clickhouse_cluster: its own
                offsets, so a cluster beside the single-node ClickHouse also reads every message)
  -h, --help    this help`;

async function main(): Promise<number> {
  const { values } = commandLine(HELP, { group: { type: "string", default: "clickhouse_cluster" } });
  const { kafkaBrokers } = loadConfig();
  if (kafkaBrokers.length === 0) {
    throw new ConfigError("KAFKA_BROKERS is not set: the Kafka-engine tables need the brokers to read tickets_scored");
  }
  let files;
  try {
    files = await loadClusterSql({ kafkaBrokers, kafkaGroup: values.group });
  } catch (error) {
    throw new UsageError((error as Error).message); // an unusable broker list or group name
  }
  for (const file of files) {
    console.log(`-- sql/clickhouse/cluster/${file.file}`);
    for (const statement of file.statements) console.log(`${statement};\n`);
  }
  return 0;
}

if (import.meta.main) runCommand(main);
