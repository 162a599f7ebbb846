import { equal, ok } from "node:assert/strict";
import { ISO_SAMPLE } from "../../scripts/samples/paths.ts";
import { fileURLToPath } from "node:url";

async function validate(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(new URL("./validate.ts", import.meta.url)), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("validate prints the upload summary and stores nothing", async () => {
  const { code, stdout } = await validate(ISO_SAMPLE);
  equal(code, 0);
  const summary = JSON.parse(stdout);
  equal(summary.received, 8469);
  equal(summary.accepted, 8469);
});

Deno.test("validate: a missing file or column exits 2 with a reason; --help explains", async () => {
  const missing = await validate("/no/such/file.csv");
  equal(missing.code, 2);
  ok(missing.stderr.includes("No such file"));
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/t.csv`, "Ticket ID,Customer Age\n1,30\n");
  const columns = await validate(`${dir}/t.csv`);
  equal(columns.code, 2);
  ok(JSON.parse(columns.stderr).missing_columns.includes("ticket_subject"));
  const help = await validate("--help");
  equal(help.code, 0);
  ok(help.stdout.includes("Usage"));
  await Deno.remove(dir, { recursive: true });
});
