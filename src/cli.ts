/**
 * How every `deno task` command reads its arguments and ends: `parseArgs` from `node:util`, `-h`/`--help` printing
 * the command's help, a wrong argument or setting printing what is wrong (exit code 2), and an unexpected failure
 * printing its error (exit code 1).
 *
 * ```ts
 * if (import.meta.main) {
 *   runCommand(async () => {
 *     const { values, positionals } = commandLine(HELP, { wait: { type: "boolean" } }, { positionals: true });
 *     // ...
 *     return 0;
 *   });
 * }
 * ```
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { ConfigError } from "./config.ts";

/** Ends a command with a message for the person who ran it: its help (code 0), or what is wrong with how. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/**
 * Parses a command's arguments (`Deno.args` unless given; a leading `--` from `deno task x -- ...` is dropped).
 *
 * @throws {UsageError} with the help for `--help` (exit code 0), or the problem and the help for a wrong argument.
 */
export function commandLine<T extends ParseArgsOptionsConfig>(
  help: string,
  options: T,
  { positionals = false, args = Deno.args }: { positionals?: boolean; args?: string[] } = {},
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: args[0] === "--" ? args.slice(1) : args,
      options: { ...options, help: { type: "boolean", short: "h" } } as T & { help: { type: "boolean"; short: "h" } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${help}`);
  }
  if ((parsed.values as { help?: boolean }).help) throw new UsageError(help, 0);
  return parsed;
}

/**
 * Runs a command's `main` and exits with its code: 0 when it returns nothing. A {@linkcode UsageError} or
 * {@linkcode ConfigError} prints its message (no stack trace: the person can act on it); anything else is a bug
 * or an outage, printed whole, exit code 1.
 *
 * @param options.service the command starts a service and returns: the process goes on until a signal stops it.
 */
export async function runCommand(
  main: () => Promise<number | void>,
  options: { service?: boolean } = {},
): Promise<void> {
  try {
    const code = await main();
    if (!options.service) Deno.exit(code ?? 0);
  } catch (error) {
    if (error instanceof UsageError) {
      (error.exitCode === 0 ? console.log : console.error)(error.message);
      Deno.exit(error.exitCode);
    }
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      Deno.exit(2);
    }
    console.error(error);
    Deno.exit(1);
  }
}
