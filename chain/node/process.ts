import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, rmSync, type WriteStream } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../log.js";
import { cometbftBinary } from "./cometbft.js";
import { appSocketPath } from "./home.js";

/** A process that dies this soon after starting counts as a failed start, not a crash. */
const FAST_FAILURE_MS = 5_000;
const MAX_FAST_FAILURES = 5;

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

export function spawnComet(home: string, log: WriteStream | "inherit"): ChildProcess {
  const args = ["start", "--home", home];
  if (log === "inherit") return spawn(cometbftBinary(), args, { stdio: "inherit" });
  const child = spawn(cometbftBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function stopChild(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/**
 * One validator as two processes, the Metro app and CometBFT, kept alive together: if either
 * dies (a crash, a `kill -9`), both are restarted and CometBFT's handshake replays what the app
 * had not committed.
 */
export class ValidatorProcess {
  app: ChildProcess | undefined;
  comet: ChildProcess | undefined;
  restarts = 0;
  /** Set when the validator kept dying right after start and the supervisor gave up. */
  failure: Error | undefined;
  private fastFailures = 0;
  private startedAt = 0;
  private stopping = false;
  private restarting = false;
  private readonly appLog: WriteStream;
  private readonly cometLog: WriteStream;

  constructor(
    readonly name: string,
    readonly home: string,
    private readonly log: Logger,
    private readonly onFailure?: (error: Error) => void,
  ) {
    mkdirSync(home, { recursive: true });
    this.appLog = createWriteStream(join(home, "app.log"), { flags: "a" });
    this.cometLog = createWriteStream(join(home, "cometbft.log"), { flags: "a" });
  }

  async start(): Promise<void> {
    if (this.stopping) return;
    this.startedAt = Date.now();
    const socket = appSocketPath(this.home);
    rmSync(socket, { force: true });
    // METRO_APP_NODE_ARGS passes flags to the app's Node (e.g. --cpu-prof for profiling).
    const nodeArgs = process.env.METRO_APP_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
    const app = spawn(process.execPath, [...nodeArgs, cliEntry, "start", "--home", this.home, "--app-only"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    app.stdout.pipe(this.appLog, { end: false });
    app.stderr.pipe(this.appLog, { end: false });
    this.app = app;
    app.once("exit", (code, signal) => this.onExit("app", code, signal));
    await waitForSocket(socket, app);
    if (this.stopping) return; // stop() was called meanwhile and has stopped the app
    const comet = spawnComet(this.home, this.cometLog);
    this.comet = comet;
    comet.once("exit", (code, signal) => this.onExit("cometbft", code, signal));
  }

  private onExit(which: string, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || this.restarting) return;
    this.log.warn(
      { validator: this.name, process: which, code, signal },
      "validator process exited; restarting",
    );
    void this.restart();
  }

  private async restart(): Promise<void> {
    this.restarting = true;
    await stopChild(this.comet);
    await stopChild(this.app);
    this.restarting = false;
    if (this.stopping) return;
    this.fastFailures = Date.now() - this.startedAt < FAST_FAILURE_MS ? this.fastFailures + 1 : 0;
    if (this.fastFailures >= MAX_FAST_FAILURES) {
      this.failure = new ProcessStartError(
        `${this.name} failed ${this.fastFailures} times right after starting; see ${join(this.home, "app.log")} and ${join(this.home, "cometbft.log")}`,
      );
      this.log.error({ validator: this.name }, this.failure.message);
      this.onFailure?.(this.failure);
      return;
    }
    this.restarts += 1;
    await sleep(200 * 2 ** this.fastFailures);
    if (this.stopping) return;
    try {
      await this.start();
    } catch (error) {
      this.log.error({ err: error, validator: this.name }, "validator restart failed; retrying");
      if (!this.stopping) setTimeout(() => void this.restart(), 1000);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await stopChild(this.comet);
    await stopChild(this.app);
    await Promise.all([this.appLog, this.cometLog].map((s) => new Promise((r) => s.end(r))));
  }
}
