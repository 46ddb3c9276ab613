import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, rmSync, type WriteStream } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../core/log.js";
import { cometbftBinary } from "./cometbft.js";
import { appSocketPath } from "./home.js";

/** A process that dies this soon after starting counts as a failed start, not a crash. */
const FAST_FAILURE_MS = 5_000;
const MAX_FAST_FAILURES = 5;

/** The app exits with this code when the chain reached its governance halt height: do not restart it. */
export const HALTED_EXIT_CODE = 64;
/** The app exits with this code when its store could not be written (a full disk): restarting would not help. */
export const STORE_FAILURE_EXIT_CODE = 65;

const cliEntry = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");

export class ProcessStartError extends Error {
  override name = "ProcessStartError";
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Waits until the app accepts connections on its socket, or its process exits. */
export async function waitForSocket(path: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ProcessStartError(
        `app exited (${child.exitCode ?? child.signalCode}) before listening on ${path}`,
      );
    }
    if (existsSync(path) && (await canConnect(path))) return;
    await sleep(50);
  }
  throw new ProcessStartError(`app did not listen on ${path} within ${timeoutMs} ms`);
}

/** Starts `cometbft start` for `home`, its output inherited, discarded, or appended to a log. */
export function spawnComet(home: string, log: WriteStream | "inherit" | "ignore"): ChildProcess {
  const args = ["start", "--home", home];
  if (log === "inherit" || log === "ignore") return spawn(cometbftBinary(), args, { stdio: log });
  const child = spawn(cometbftBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/**
 * One validator as two processes, the Metro app and CometBFT, kept alive together by one loop:
 * start both, wait until either exits (a crash, a `kill -9`), stop the other, start both again.
 * CometBFT's handshake then replays what the app had not committed. A validator that dies right
 * after starting MAX_FAST_FAILURES times in a row is given up on, with a pointer to its logs.
 */
export class ValidatorProcess {
  app: ChildProcess | undefined;
  comet: ChildProcess | undefined;
  restarts = 0;
  /** Set when the app stopped at the governance halt height. */
  halted = false;
  /** Set when the validator kept dying right after start and the supervisor gave up. */
  failure: Error | undefined;
  /** More flags for `metro start` (the devnet's --metrics-port), read at each launch. */
  appFlags: readonly string[] = [];
  private stopping = false;
  private loop: Promise<void> | undefined;
  private appLog: WriteStream | undefined;
  private cometLog: WriteStream | undefined;

  constructor(
    readonly name: string,
    readonly home: string,
    private readonly log: Logger,
    private readonly onFailure?: (error: Error) => void,
  ) {
    mkdirSync(home, { recursive: true });
  }

  /**
   * Starts supervising; resolves once both processes run, rejects if the validator is given up
   * on. A stopped validator can be started again.
   */
  start(): Promise<void> {
    if (this.loop) throw new Error(`${this.name} is already supervised`);
    this.stopping = false;
    this.halted = false;
    this.appLog = createWriteStream(join(this.home, "app.log"), { flags: "a" });
    this.cometLog = createWriteStream(join(this.home, "cometbft.log"), { flags: "a" });
    return new Promise((resolve, reject) => {
      this.loop = this.supervise(resolve, reject);
    });
  }

  private async supervise(started: () => void, failed: (error: Error) => void): Promise<void> {
    let fastFailures = 0;
    while (!this.stopping) {
      const startedAt = Date.now();
      try {
        await this.launch();
        started();
        const which = await this.firstExit();
        if (!this.stopping)
          this.log.warn({ validator: this.name, process: which }, "validator process exited; restarting");
      } catch (error) {
        if (!this.stopping) this.log.warn({ err: error, validator: this.name }, "validator did not start");
      }
      await stopChild(this.comet);
      await stopChild(this.app);
      if (this.app?.exitCode === STORE_FAILURE_EXIT_CODE) {
        this.failure = new ProcessStartError(
          `${this.name} stopped: its store could not be written (is the disk full?); see ${join(this.home, "app.log")}`,
        );
        this.log.error({ validator: this.name }, this.failure.message);
        this.onFailure?.(this.failure);
        failed(this.failure);
        return;
      }
      if (this.app?.exitCode === HALTED_EXIT_CODE) {
        this.halted = true;
        this.log.info({ validator: this.name }, "chain halted by governance; not restarting");
        started();
        return;
      }
      if (this.stopping) break;
      fastFailures = Date.now() - startedAt < FAST_FAILURE_MS ? fastFailures + 1 : 0;
      if (fastFailures >= MAX_FAST_FAILURES) {
        this.failure = new ProcessStartError(
          `${this.name} failed ${fastFailures} times right after starting; see ${join(this.home, "app.log")} and ${join(this.home, "cometbft.log")}`,
        );
        this.log.error({ validator: this.name }, this.failure.message);
        this.onFailure?.(this.failure);
        failed(this.failure);
        return;
      }
      this.restarts += 1;
      await sleep(200 * 2 ** fastFailures);
    }
  }

  /** Spawns the app, waits until it listens, then spawns CometBFT. */
  private async launch(): Promise<void> {
    const socket = appSocketPath(this.home);
    rmSync(socket, { force: true });
    // METRO_APP_NODE_ARGS passes flags to the app's Node (e.g. --cpu-prof for profiling).
    const nodeArgs = process.env.METRO_APP_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
    const app = spawn(
      process.execPath,
      [...nodeArgs, cliEntry, "start", "--home", this.home, "--app-only", ...this.appFlags],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    if (this.appLog) {
      app.stdout.pipe(this.appLog, { end: false });
      app.stderr.pipe(this.appLog, { end: false });
    }
    this.app = app;
    this.comet = undefined;
    await waitForSocket(socket, app);
    if (this.stopping) return;
    this.comet = spawnComet(this.home, this.cometLog ?? "ignore");
  }

  /** Resolves with the name of whichever process exits first. */
  private async firstExit(): Promise<string> {
    const watch = (child: ChildProcess | undefined, name: string): Promise<string> =>
      child ? exited(child).then(() => name) : new Promise<string>(() => {});
    return Promise.race([watch(this.app, "app"), watch(this.comet, "cometbft")]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await stopChild(this.comet);
    await stopChild(this.app);
    await this.loop;
    this.loop = undefined;
    const logs = [this.appLog, this.cometLog].flatMap((log) => (log ? [log] : []));
    await Promise.all(logs.map((log) => new Promise((resolve) => log.end(resolve))));
    this.appLog = undefined;
    this.cometLog = undefined;
  }
}
