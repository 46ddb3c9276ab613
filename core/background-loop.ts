/** Work repeated in the background until stopped: one step, then a pause, again and again. */
export class BackgroundLoop {
  private running = false;
  private done: Promise<void> | undefined;

  /** `pauseMs` is asked after each step, given how long that step took. A step must not throw. */
  constructor(
    private readonly step: () => Promise<void>,
    private readonly pauseMs: (stepMs: number) => number,
  ) {}

  start(): void {
    this.running = true;
    this.done = this.run();
  }

  /** Resolves once the step under way (if any) has finished; no step starts after. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await this.step();
      if (!this.running) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.pauseMs(Date.now() - started))));
    }
  }
}
