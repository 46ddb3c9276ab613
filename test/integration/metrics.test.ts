/**
 * Every service's Prometheus endpoint on one small stack (a validator with CometBFT's own
 * endpoint on, the relayer, the local DA, a rollup's EVM node and conductor, an oracle
 * sidecar): each scraped twice, a few blocks and a rollup tx apart, moves with the chain, and
 * none holds a key or the mnemonic.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseEther } from "viem";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { waitForHeight } from "../../chain/node/rpc.js";
import type { RollupProcesses } from "../../conductor/rollup-home.js";
import { createLogger } from "../../core/log.js";
import { type MetricsServer, serveMetrics, serviceRegistry } from "../../core/metrics.js";
import { devnetSidecar, registerSidecarMetrics, SimulatedMarket } from "../../oracle/index.js";
import type { OracleSidecar } from "../../oracle/sidecar.js";
import { ethAccount } from "../support/evm.js";
import { until } from "../support/network.js";
import { type RollupStack, rollupClients, startRollupStack } from "../support/rollups.js";

type Scrape = Record<string, string>;

async function scrapeAll(urls: Record<string, string>): Promise<Scrape> {
  const texts: Scrape = {};
  for (const [name, url] of Object.entries(urls)) {
    const response = await fetch(url);
    assert.equal(response.status, 200, `${name} at ${url}`);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/, name);
    texts[name] = await response.text();
  }
  return texts;
}

/**
 * The sum of a metric's samples whose labels include `labels` (e.g. `code="0"`); a metric
 * not there fails, unless `absent` says what it counts as (a labeled counter not yet touched).
 */
function value(text: string, metric: string, labels = "", absent?: number): number {
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    const match = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== metric || !(match[2] ?? "").includes(labels)) continue;
    sum += Number(match[3]);
    found = true;
  }
  if (!found && absent !== undefined) return absent;
  assert.ok(found, `no ${metric}{${labels}} in:\n${text.slice(0, 2000)}`);
  return sum;
}

/** Every secret a validator home holds, in the forms it could leak in (base64 and hex). */
function secretsOf(home: string): string[] {
  const read = (path: string) => JSON.parse(readFileSync(join(home, "config", path), "utf8"));
  const secrets: string[] = [read("bls_key.json").secret_key];
  for (const file of ["priv_validator_key.json", "node_key.json"]) {
    const base64: string = read(file).priv_key.value;
    const bytes = Buffer.from(base64, "base64");
    // The ed25519 seed (first 32 bytes) and the whole key, in both encodings.
    secrets.push(base64, bytes.toString("hex"), bytes.subarray(0, 32).toString("hex"));
    secrets.push(bytes.subarray(0, 32).toString("base64"));
  }
  return secrets;
}

describe("Prometheus metrics of every service", () => {
  let stack: RollupStack;
  let rollup: RollupProcesses;
  const market = new SimulatedMarket();
  let sidecar: OracleSidecar;
  let sidecarMetrics: MetricsServer;
  const urls: Record<string, string> = {};

  before(async () => {
    stack = await startRollupStack(1000, { metrics: true });
    rollup = await stack.addRollup("metered", 4242, 9);
    sidecar = devnetSidecar(await market.start(), createLogger("test-sidecar", "silent"));
    await sidecar.start();
    const registry = serviceRegistry("metro-oracle");
    registerSidecarMetrics(registry, sidecar);
    sidecarMetrics = await serveMetrics(registry, { host: "127.0.0.1", port: 0 });
    const validator = stack.net.devnet.metricsUrls(0);
    Object.assign(urls, {
      app: validator.app,
      comet: validator.comet,
      relayer: stack.metricsUrls.relayer!,
      da: stack.metricsUrls.da!,
      evm: rollup.metricsUrls!.evm,
      conductor: rollup.metricsUrls!.conductor,
      sidecar: sidecarMetrics.url,
    });
  });

  after(async () => {
    await sidecarMetrics?.close();
    await sidecar?.stop();
    await market.stop();
    await stack?.stop();
  });

  it("move with the chain, and expose no key or mnemonic", async () => {
    // Wait for the rollup to run before the first scrape, so its counters exist.
    await until(
      "the conductor runs",
      async () => value(await (await fetch(urls.conductor!)).text(), "metro_conductor_soft_number") > 0,
      60_000,
    );
    const first = await scrapeAll(urls);
    const { publicClient, wallet } = rollupClients(rollup, 0);
    const hash = await wallet.sendTransaction({ to: ethAccount(3).address, value: parseEther("1") });
    await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
    const height = value(first.app!, "metro_height");
    await waitForHeight(stack.net.rpc(0), height + 3);
    const postsBefore = value(first.relayer!, "metro_relayer_posts_total");
    await until(
      "the relayer posts again",
      async () => value(await (await fetch(urls.relayer!)).text(), "metro_relayer_posts_total") > postsBefore,
    );
    const second = await scrapeAll(urls);
    const grew = (name: string, metric: string, labels = "") =>
      assert.ok(
        value(second[name]!, metric, labels) > value(first[name]!, metric, labels, 0),
        `${name} ${metric}{${labels}} did not grow`,
      );

    grew("app", "metro_height");
    grew("app", "metro_block_time_seconds");
    grew("app", "metro_txs_total"); // the composer sequenced the rollup tx
    grew("app", "metro_checktx_total", 'code="0"');
    grew("app", "metro_block_rollup_bytes_sum");
    grew("app", "metro_finalize_block_duration_seconds_count");
    grew("app", "metro_vote_extension_bytes_count");
    assert.ok(value(second.app!, "metro_oracle_price", 'pair="TIA/USD"') > 5);
    assert.ok(value(second.app!, "metro_oracle_price_age_seconds", 'pair="TIA/USD"') >= 0);
    grew("comet", "cometbft_consensus_height");
    grew("relayer", "metro_relayer_metro_height");
    grew("relayer", "metro_relayer_posts_total");
    grew("relayer", "metro_relayer_posted_bytes_total");
    assert.ok(value(second.relayer!, "metro_gossip_peers") >= 1, "the conductor peers with the relayer");
    grew("da", "metro_da_height");
    grew("da", "metro_da_blobs_total");
    grew("conductor", "metro_conductor_soft_number");
    grew("conductor", "metro_conductor_verified_total");
    grew("conductor", "metro_conductor_verify_seconds_total");
    grew("evm", "metro_evm_soft_number");
    grew("evm", "metro_evm_blocks_total");
    grew("evm", "metro_evm_txs_total");
    grew("evm", "metro_evm_gas_used_total");
    assert.equal(value(second.sidecar!, "metro_oracle_provider_up", 'provider="binance"'), 1);
    assert.ok(value(second.sidecar!, "metro_oracle_provider_staleness_seconds", 'provider="kraken"') >= 0);
    assert.ok(value(second.sidecar!, "metro_oracle_sidecar_price", 'pair="TIA/USD"') > 0);

    const secrets = [
      TEST_MNEMONIC,
      ...TEST_MNEMONIC.split(" ").filter((w) => w !== "test"),
      ...secretsOf(stack.net.devnet.specs[0]!.home),
    ];
    for (const [name, text] of Object.entries(second)) {
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `${name} exposes ${secret.slice(0, 6)}…`);
    }
  });
});
