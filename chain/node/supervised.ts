/**
 * One long-running `metro <command>` child process, restarted whenever it exits unexpectedly
 * (a crash, a `kill -9`), with its output appended to a log file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../core/log.js";

const cliEntry = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SupervisedProcess {
  child: ChildProcess | undefined;
  restarts = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private output: WriteStream | undefined;

  constructor(
    readonly name: string,
    private readonly args: readonly string[],
    private readonly logFile: string,
    private readonly log: Logger,
    /** Flags for node itself, before the script (`--cpu-prof`, say). */
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  start(): void {
    if (this.loop) throw new Error(`${this.name} is already running`);
    mkdirSync(dirname(this.logFile), { recursive: true });
    this.output = createWriteStream(this.logFile, { flags: "a" });
    this.stopping = false;
    this.loop = this.supervise();
  }

  private async supervise(): Promise<void> {
    while (!this.stopping) {
      const startedAt = Date.now();
      const child = spawn(process.execPath, [...this.nodeArgs, cliEntry, ...this.args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      if (this.output) {
        child.stdout.pipe(this.output, { end: false });
        child.stderr.pipe(this.output, { end: false });
      }
      this.child = child;
      const code = await new Promise<number | string>((resolve) => {
        child.once("exit", (exitCode, signal) => resolve(exitCode ?? signal ?? "?"));
        // A spawn that fails (no such binary, too many processes) emits no exit.
        child.once("error", (error) => resolve(error.message));
      });
      // Back off first: when it died right away, so a broken config does not spin the CPU; and
      // on a terminal's Ctrl-C, every child gets SIGINT before the supervisor is told to stop.
      await sleep(Date.now() - startedAt < 3000 || code === 0 ? 2000 : 200);
      if (this.stopping) break;
      this.restarts++;
      this.log.warn({ process: this.name, exit: code, log: this.logFile }, "process exited; restarted");
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await this.loop;
    this.loop = undefined;
    await new Promise((resolve) => (this.output ? this.output.end(resolve) : resolve(undefined)));
  }
}
