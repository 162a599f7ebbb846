/**
 * The memory a running app takes, counted so that it cannot flatter: every process of its tree (the `deno task`
 * parent, the server, and any child it starts), summed, sampled every 20 ms while the work runs. The site build
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
}

async function processInfo(pid: number, parentIsSiteBuild: boolean): Promise<ProcessInfo | null> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    const cmdline = parentIsSiteBuild ? "" : await Deno.readTextFile(`/proc/${pid}/cmdline`);
    return {
      rssMiB: kib("VmRSS") / 1024,
      hwmMiB: kib("VmHWM") / 1024,
      siteBuild: parentIsSiteBuild || cmdline.includes("observable.js"),
    };
  } catch {
    return null; // gone between listing and reading
  }
}

/** The tree under `root` (itself included), each with whether it belongs to a site build. */
async function tree(root: number): Promise<Map<number, ProcessInfo>> {
  const seen = new Map<number, ProcessInfo>();
  const visit = async (pid: number, inSiteBuild: boolean) => {
    const info = await processInfo(pid, inSiteBuild);
    if (!info) return;
    seen.set(pid, info);
    const children: number[] = [];
    try {
      for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
        const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`).catch(() => "");
        children.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch { /* gone */ }
    await Promise.all(children.map((child) => visit(child, info.siteBuild)));
  };
  await visit(root, false);
  return seen;
}

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
  const peaks = { app: new Map<number, number>(), siteBuild: new Map<number, number>() };
  const peakSum = { app: 0, siteBuild: 0 };
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const sum = { app: 0, siteBuild: 0 };
      for (const [pid, info] of await tree(root)) {
        const group = info.siteBuild ? "siteBuild" : "app";
        sum[group] += info.rssMiB;
        peaks[group].set(pid, Math.max(peaks[group].get(pid) ?? 0, info.hwmMiB));
      }
      peakSum.app = Math.max(peakSum.app, sum.app);
      peakSum.siteBuild = Math.max(peakSum.siteBuild, sum.siteBuild);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const group = (name: "app" | "siteBuild"): GroupMemory => ({
    peakSumMiB: peakSum[name],
    sumOfPeaksMiB: [...peaks[name].values()].reduce((a, b) => a + b, 0),
    processes: peaks[name].size,
  });
  return {
    async stop() {
      running = false;
      await loop;
      return { app: group("app"), siteBuild: group("siteBuild"), samples };
    },
  };
}
