/**
 * `npm run chaos:fuzz -- [--cases N] [--seed S] [--surface NAME]…`: the hostile-input campaign.
 * Each surface runs in a worker thread with a watchdog (a case that stops the worker's progress
 * for longer than the hang limit is a hang, and a crash); the table of every surface's figures
 * is printed at the end, and the exit code is 1 when any surface crashed.
 */
import { Worker } from "node:worker_threads";
import { intOption, parse, UsageError } from "../core/cli-args.js";
import { formatDuration } from "../core/progress.js";
import type { WorkerInput } from "./fuzz-worker.js";
import { formatTable, SURFACES, type SurfaceResult } from "./index.js";

const DEFAULT_CASES = 100_000;
const DEFAULT_CASE_TIMEOUT_MS = 10_000;
/** Setting a surface up (keys, genesis, an EVM chain) may take this long before its first case. */
const SETUP_LIMIT_MS = 180_000;

interface Options {
  cases: number;
  seed: number;
  caseTimeoutMs: number;
  surfaces: string[];
}

function options(args: string[]): Options {
  const { values } = parse(args, {
    cases: { type: "string" },
    seed: { type: "string" },
    surface: { type: "string", multiple: true },
    "case-timeout-ms": { type: "string" },
  });
  const surfaces = values.surface ?? SURFACES.map((surface) => surface.name);
  for (const name of surfaces) {
    if (!SURFACES.some((surface) => surface.name === name)) {
      throw new UsageError(`unknown surface "${name}"; one of ${SURFACES.map((s) => s.name).join(", ")}`);
    }
  }
  return {
    cases: intOption(values.cases, "cases", DEFAULT_CASES),
    seed: intOption(values.seed, "seed", Math.floor(Math.random() * 2 ** 31)),
    caseTimeoutMs: intOption(values["case-timeout-ms"], "case-timeout-ms", DEFAULT_CASE_TIMEOUT_MS),
    surfaces,
  };
}

/** Runs one surface in a worker; a worker that stops making progress is stopped and reported. */
function runInWorker(surface: string, opts: Options): Promise<SurfaceResult> {
  const progress = new SharedArrayBuffer(4);
  const counter = new Int32Array(progress);
  const input: WorkerInput = {
    surface,
    cases: opts.cases,
    seed: opts.seed,
    caseTimeoutMs: opts.caseTimeoutMs,
    progress,
  };
  const worker = new Worker(new URL("./fuzz-worker.js", import.meta.url), { workerData: input });
  const started = Date.now();
  const crashed = (failure: string): SurfaceResult => ({
    surface,
    cases: Atomics.load(counter, 0),
    refused: 0,
    accepted: 0,
    decoded: 0,
    deep: 0,
    crashes: 1,
    seed: opts.seed,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    failure,
  });
  return new Promise((resolve) => {
    let last = 0;
    let lastAt = Date.now();
    let reported = 0;
    const watchdog = setInterval(() => {
      const done = Atomics.load(counter, 0);
      const now = Date.now();
      if (done !== last) {
        last = done;
        lastAt = now;
      }
      const limit = done === 0 ? SETUP_LIMIT_MS : opts.caseTimeoutMs * 3;
      if (now - lastAt > limit) {
        clearInterval(watchdog);
        void worker.terminate();
        resolve(
          crashed(
            `hang: no case finished for ${formatDuration(now - lastAt)} after case ${done} (seed ${opts.seed})`,
          ),
        );
      } else if (now - reported >= 30_000) {
        reported = now;
        process.stderr.write(`${surface}: ${done}/${opts.cases} cases, ${formatDuration(now - started)}\n`);
      }
    }, 1000);
    worker.once("message", (result: SurfaceResult) => {
      clearInterval(watchdog);
      resolve(result);
    });
    worker.once("error", (error) => {
      clearInterval(watchdog);
      resolve(crashed(`the worker died: ${error.stack ?? error.message}`));
    });
  });
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = options(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`hostile input: ${opts.cases} cases per surface, seed ${opts.seed}\n`);
  const results: SurfaceResult[] = [];
  for (const surface of opts.surfaces) {
    const result = await runInWorker(surface, opts);
    results.push(result);
    process.stderr.write(
      `${surface}: ${result.cases} cases, ${result.crashes} crashes, ${result.seconds} s\n`,
    );
  }
  process.stdout.write(`${formatTable(results)}\n`);
  for (const result of results.filter((r) => r.failure)) {
    process.stdout.write(
      `\n${result.surface} crashed (replay: --surface ${result.surface} --seed ${result.seed}):\n${result.failure}\n`,
    );
  }
  const surfaces = SURFACES.filter((surface) => opts.surfaces.includes(surface.name));
  process.stdout.write(
    `\n${surfaces.map((surface) => `- ${surface.name}: ${surface.description}; deep = ${surface.deep}`).join("\n")}\n`,
  );
  process.exitCode = results.some((result) => result.crashes > 0) ? 1 : 0;
}

await main();
