/**
 * Tests that need something from the machine (Java for Kafka, Python with CatBoost, Chromium) ask here first.
 * Without the means a test is skipped with a loud notice; under CI (`CI=true` or `REQUIRE_ALL_TESTS=1`) a skip
 * is a failure instead, so a green CI never hides a test that did not run.
 *
 * @module
 */

/** True when a missing means must fail the run rather than skip a test. */
export const skipsAreFailures = Deno.env.get("CI") === "true" || Deno.env.get("REQUIRE_ALL_TESTS") === "1";

/**
 * Reports whether a test can run. Call it at the top of a test and return early when it answers false.
 *
 * @param what the test's name for what it needs, e.g. "python3 with catboost".
 * @param missing why it is missing, or `null` when it is there.
 * @throws {Error} under CI when something is missing.
 */
export function haveMeans(what: string, missing: string | null): boolean {
  if (missing === null) return true;
  const message = `SKIPPED: needs ${what}: ${missing}`;
  if (skipsAreFailures) throw new Error(`${message} (CI forbids skips)`);
  console.warn(`\n${"!".repeat(78)}\n!! ${message}\n${"!".repeat(78)}\n`);
  return false;
}

/** Runs a command and answers null when it exits 0, or the reason it could not. */
export async function commandWorks(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
    return out.success ? null : `${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).trim()}`;
  } catch (error) {
    return `${cmd} not runnable: ${(error as Error).message}`;
  }
}
