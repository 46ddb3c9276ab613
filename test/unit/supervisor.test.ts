import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ValidatorProcess } from "../../chain/node/process.js";
import { createLogger } from "../../core/log.js";

describe("validator supervisor", () => {
  it("gives up once on a validator that cannot start, and leaves nothing running", async () => {
    // An empty folder is not a Metro home, so the app exits at once every time.
    const home = mkdtempSync(join(tmpdir(), "metro-supervisor-"));
    const failures: Error[] = [];
    const validator = new ValidatorProcess("broken", home, createLogger("test", "silent"), (error) => {
      failures.push(error);
    });
    try {
      await assert.rejects(validator.start(), /failed 5 times right after starting/);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(failures.length, 1, "onFailure is called exactly once");
      assert.equal(validator.restarts, 4);
      assert.ok(validator.app && validator.app.exitCode !== null, "the last app process has exited");
      assert.equal(validator.comet, undefined, "CometBFT never started without an app");
    } finally {
      await validator.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
