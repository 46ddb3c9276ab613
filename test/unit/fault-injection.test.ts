import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { DEVNET_CHAIN_ID, genesisPath } from "../../chain/node/home.js";
import { HeaderSigner } from "../../conductor/headers.js";
import {
  assertFaultInjectionAllowed,
  BAD_VOTE_EXTENSIONS,
  FaultInjectionRefusedError,
  FaultSwitchError,
  faultSwitchMode,
  INJECTION_TAMPERS,
  isDevnetChainId,
  TAMPER_INJECTION_ENV,
} from "../../core/fault-injection.js";
import { createLogger } from "../../core/log.js";
import { METRO_CLI, metroCli } from "../support/cli.js";

const log = createLogger("test", "silent");
const run = promisify(execFile);

describe("fault injection is refused off a devnet chain", () => {
  it("knows the devnet chain ids from real ones", () => {
    for (const id of [DEVNET_CHAIN_ID, "metro-devnet", "metro-devnet-fork-2"])
      assert.ok(isDevnetChainId(id), id);
    for (const id of ["metro-1", "celestia", "metro-devnet1", "my-metro-devnet-1", ""])
      assert.equal(isDevnetChainId(id), false, id);
  });

  it("allows switches on a devnet, refuses them elsewhere, and ignores an empty list", () => {
    assertFaultInjectionAllowed(DEVNET_CHAIN_ID, ["X"], log);
    assertFaultInjectionAllowed("metro-1", [], log);
    assert.throws(
      () => assertFaultInjectionAllowed("metro-1", ["X"], log),
      (error: Error) =>
        error instanceof FaultInjectionRefusedError &&
        /X/.test(error.message) &&
        /metro-1/.test(error.message),
    );
  });

  it("reads a switch's mode for the home it names, and refuses an unknown mode", () => {
    assert.equal(faultSwitchMode("node1", "node1", INJECTION_TAMPERS, "forge"), "forge");
    assert.equal(faultSwitchMode("node1:drop", "node1", INJECTION_TAMPERS, "forge"), "drop");
    assert.equal(faultSwitchMode("node1:reorder", "node2", INJECTION_TAMPERS), undefined);
    assert.equal(faultSwitchMode("node2:late", "node2", BAD_VOTE_EXTENSIONS), "late");
    for (const value of ["node2", "node2:slow", "node2:late:x", "node2:"])
      assert.throws(() => faultSwitchMode(value, "node2", BAD_VOTE_EXTENSIONS), FaultSwitchError, value);
  });

  it("metro start stops before starting when METRO_TEST_TAMPER_INJECTION is set on a real chain", async () => {
    const home = mkdtempSync(join(tmpdir(), "metro-fault-"));
    try {
      await metroCli("init", "--home", home);
      const genesis = JSON.parse(readFileSync(genesisPath(home), "utf8")) as Record<string, unknown>;
      writeFileSync(genesisPath(home), JSON.stringify({ ...genesis, chain_id: "metro-1" }));
      const env = { ...process.env, [TAMPER_INJECTION_ENV]: "node0" };
      const started = run(process.execPath, [METRO_CLI, "start", "--home", home], { env, timeout: 30_000 });
      const failure = await started.then(
        () => assert.fail("metro start ran"),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(failure.code, 1);
      assert.match(
        failure.stderr,
        /fault injection \(METRO_TEST_TAMPER_INJECTION\).*refused on chain metro-1/,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a header signer told to misbehave refuses to start off a devnet chain", async () => {
    await assert.rejects(
      HeaderSigner.start({
        metroRpc: "http://127.0.0.1:1",
        metroChainId: "metro-1",
        rollupName: "gm",
        operator: "metrovaloper1unused",
        blsSecretKey: new Uint8Array(32),
        gossip: { port: 0, peers: [] },
        statePath: join(tmpdir(), "never-written.json"),
        log,
        misbehaviour: { equivocateAt: 5n },
      }),
      FaultInjectionRefusedError,
    );
  });
});
