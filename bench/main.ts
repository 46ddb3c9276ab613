/**
 * `npm run bench`: Metro's sustained throughput and inclusion latency at 1 s blocks, with 1 and
 * 4 validators, against CometBFT's built-in kvstore driven with txs of the same size in the
 * same run; then signature verification cost. Ratios matter more than absolute numbers.
 */
import { fetchAccount } from "../chain/client/load.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { sequenceMsg } from "../chain/client/signing.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { type DriveResult, drive } from "./driver.js";
import { type BenchNetwork, startKvstore, startMetro } from "./networks.js";
import { benchSignatures } from "./signatures.js";

const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 20) * 1000;
const PAYLOAD_BYTES = 256;
const TXS_PER_LANE = Number(process.env.BENCH_TXS_PER_LANE ?? 4000);
const MAX_OUTSTANDING = 4000;

async function metroLanes(rpcUrl: string): Promise<Uint8Array[][]> {
  const payload = new Uint8Array(PAYLOAD_BYTES).fill(7);
  return Promise.all(
    Array.from({ length: 10 }, async (_, index) => {
      const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, index);
      const account = await fetchAccount(rpcUrl, signer);
      return Array.from({ length: TXS_PER_LANE }, (_, n) =>
        signer.signTx({
          chainId: "metro-devnet-1",
          accountNumber: account.accountNumber,
          sequence: account.sequence + BigInt(n),
          fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "200" }], gas: 100_000n },
          messages: [sequenceMsg(signer.address, `rollup-${n % 8}`, payload)],
        }),
      );
    }),
  );
}

function kvstoreLanes(txSize: number): Uint8Array[][] {
  return Array.from({ length: 10 }, (_, lane) =>
    Array.from({ length: TXS_PER_LANE }, (_, n) => {
      const key = `bench-${lane}-${n}=`;
      return new TextEncoder().encode(key.padEnd(txSize, "x"));
    }),
  );
}

interface Row {
  app: string;
  validators: number;
  txBytes: number;
  result: DriveResult;
}

async function run(
  app: string,
  validators: number,
  start: (n: number) => Promise<BenchNetwork>,
  lanes: (rpc: string) => Promise<Uint8Array[][]>,
) {
  const network = await start(validators);
  try {
    const built = await lanes(network.rpcUrl(0));
    const result = await drive({
      rpcUrl: network.rpcUrl(0),
      lanes: built,
      durationMs: DURATION_MS,
      maxOutstanding: MAX_OUTSTANDING,
      payloadBytes: PAYLOAD_BYTES,
    });
    const row: Row = { app, validators, txBytes: built[0]![0]!.length, result };
    console.error(`  ${app} × ${validators}: ${result.txPerSecond.toFixed(0)} tx/s`);
    return row;
  } finally {
    await network.stop();
  }
}

function table(rows: Row[]): string {
  const lines = [
    "| app | validators | tx bytes | committed tx/s | rollup KiB/s | p50 ms | p99 ms | rejected | vs kvstore |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const baseline = rows.find((r) => r.app === "kvstore" && r.validators === row.validators);
    const ratio = baseline ? (row.result.txPerSecond / baseline.result.txPerSecond).toFixed(2) : "";
    const r = row.result;
    const kib = row.app === "metro" ? (r.payloadBytesPerSecond / 1024).toFixed(0) : "–";
    lines.push(
      `| ${row.app} | ${row.validators} | ${row.txBytes} | ${r.txPerSecond.toFixed(0)} | ${kib} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.rejected} | ${ratio}× |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  console.error(`bench: ${DURATION_MS / 1000} s of load per network, ${PAYLOAD_BYTES}-byte rollup payloads`);
  const rows: Row[] = [];
  for (const validators of [1, 4]) {
    const metro = await run("metro", validators, startMetro, metroLanes);
    rows.push(metro);
    rows.push(await run("kvstore", validators, startKvstore, async () => kvstoreLanes(metro.txBytes)));
  }
  console.log("\nThroughput at 1 s blocks (closed loop, at most 4000 txs awaiting inclusion)\n");
  console.log(table(rows));
  console.log("\nsecp256k1 signature verification (one core)\n");
  console.log("| verifier | verifications/s | µs each |");
  console.log("| --- | ---: | ---: |");
  for (const s of await benchSignatures()) {
    console.log(`| ${s.name} | ${s.perSecond.toFixed(0)} | ${s.microsPerOp.toFixed(1)} |`);
  }
}

await main();
