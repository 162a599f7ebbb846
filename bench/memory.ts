/**
 * The memory a running app takes, counted so that it cannot flatter: every process of its tree (the `deno task`
 * parent, the server, and any child it starts), summed, sampled every 20 ms while the work runs (the tree walked
 * again every 100 ms for processes started since). The watch shares the machine with the work it measures, so it
 * reads synchronously: async reads took 11.5% of a core, these 3.8%. The site build
 * (Observable Framework and its data loaders) is counted apart, as the issue asks. Two figures per group:
 *
 * - `peakSumMiB`: the largest sum of resident sizes seen in one sample;
 * - `sumOfPeaksMiB`: the sum of each process's own peak (Linux `VmHWM`), an upper bound that a short spike between
 *   two samples cannot escape. Targets are judged on this one.
 *
 * Linux only (`/proc`); MiB (1,048,576 bytes) throughout.
 *
 * @module
 */

/** What a watch saw, for one group of processes. */
export interface GroupMemory {
  peakSumMiB: number;
  sumOfPeaksMiB: number;
  /** Distinct processes seen in the group. */
  processes: number;
}

/** What a watch saw: the app's processes, and the site build's apart. */
export interface TreeMemory {
  app: GroupMemory;
  siteBuild: GroupMemory;
  samples: number;
}

interface ProcessInfo {
  rssMiB: number;
  hwmMiB: number;
  siteBuild: boolean;
  /** Its command line, when read (on a walk of the tree). */
  program: string | null;
}

/** Reads a /proc file, or null when its process is gone. */
function readProc(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/**
 * A process's memory, and whether it belongs to a site build: as known, or by its command line (read on a walk
 * of the tree).
 */
function processInfo(pid: number, siteBuild: { known: boolean } | { parentIsSiteBuild: boolean }): ProcessInfo | null {
  const status = readProc(`/proc/${pid}/status`);
  if (status === null) return null; // gone between listing and reading
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  const program = "known" in siteBuild ? null : readProc(`/proc/${pid}/cmdline`) ?? "";
  return {
    rssMiB: kib("VmRSS") / 1024,
    hwmMiB: kib("VmHWM") / 1024,
    siteBuild: "known" in siteBuild
      ? siteBuild.known
      : siteBuild.parentIsSiteBuild || program!.includes("observable.js"),
    program,
  };
}

/**
 * The tree under `root` (itself included), each with whether it belongs to a site build. Synchronous reads: the
 * watch runs beside the work it measures, and async reads of the same files cost it about ten times the CPU.
 */
function tree(root: number): Map<number, ProcessInfo> {
  const seen = new Map<number, ProcessInfo>();
  const visit = (pid: number, inSiteBuild: boolean) => {
    const info = processInfo(pid, { parentIsSiteBuild: inSiteBuild });
    if (!info) return;
    seen.set(pid, info);
    let tasks: Deno.DirEntry[] = [];
    try {
      tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
    } catch { /* gone */ }
    for (const task of tasks) {
      const text = readProc(`/proc/${pid}/task/${task.name}/children`) ?? "";
      for (const child of text.trim().split(/\s+/)) if (child) visit(Number(child), info.siteBuild);
    }
  };
  visit(root, false);
  return seen;
}

/** How often (in samples) the whole tree is walked to find processes started or ended since. */
const TREE_EVERY = 5;

/**
 * Starts watching the process tree under `root`; `stop()` ends the watch and answers what it saw.
 *
 * @example
 * ```ts
 * const watch = watchMemory(app.child.pid);
 * await upload();
 * const { app: used, siteBuild } = await watch.stop();
 * ```
 */
export function watchMemory(root: number, everyMs = 20): { stop(): Promise<TreeMemory> } {
  // Each process seen: its group, its program and its peak since it ran that program. A child seen between its
  // fork and its exec shows its parent's program and memory: its peak starts again when its program changes.
  const seen = new Map<number, { siteBuild: boolean; program: string; peakMiB: number }>();
  const peakSum = { app: 0, siteBuild: 0 };
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const sum = { app: 0, siteBuild: 0 };
      // The tree is walked every TREE_EVERY samples (a walk reads a file per thread of every process); in
      // between, the processes seen on the last walk are read again.
      const infos = samples % TREE_EVERY === 0 ? tree(root) : new Map(
        [...seen].filter(([, process]) => process.program !== "")
          .map(([pid, process]) => [pid, processInfo(pid, { known: process.siteBuild })] as const)
          .filter((entry): entry is [number, ProcessInfo] => entry[1] !== null),
      );
      if (samples % TREE_EVERY === 0) {
        for (const [pid, process] of seen) if (!infos.has(pid)) process.program = ""; // ended
      }
      for (const [pid, info] of infos) {
        sum[info.siteBuild ? "siteBuild" : "app"] += info.rssMiB;
        const before = seen.get(pid);
        if (!before || (info.program !== null && info.program !== before.program)) {
          seen.set(pid, { siteBuild: info.siteBuild, program: info.program ?? "", peakMiB: info.hwmMiB });
        } else {
          before.siteBuild = info.siteBuild;
          before.peakMiB = Math.max(before.peakMiB, info.hwmMiB);
        }
      }
      peakSum.app = Math.max(peakSum.app, sum.app);
      peakSum.siteBuild = Math.max(peakSum.siteBuild, sum.siteBuild);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const peaksOf = (name: "app" | "siteBuild") =>
    [...seen.values()].filter((process) => process.siteBuild === (name === "siteBuild")).map((p) => p.peakMiB);
  const group = (name: "app" | "siteBuild"): GroupMemory => ({
    peakSumMiB: peakSum[name],
    sumOfPeaksMiB: peaksOf(name).reduce((a, b) => a + b, 0),
    processes: peaksOf(name).length,
  });
  return {
    async stop() {
      running = false;
      await loop;
      return { app: group("app"), siteBuild: group("siteBuild"), samples };
    },
  };
}
