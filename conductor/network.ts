/**
 * One stretch of a rollup's history and the Metro network it follows there: rollup blocks
 * from `firstRollupHeight` (until the next fork) are that network's heights from
 * `firstMetroHeight` on, one rollup block per Metro block.
 */
import { join } from "node:path";
import { fromHex } from "../core/bytes.js";
import type { Logger } from "../core/log.js";
import type { SequencerBlock } from "../core/sequencer-block.js";
import { BlockGossip, CelestiaClient } from "../relayer/index.js";
import type { ConductorConfig, NetworkConfig } from "./config.js";
import { TrustStore } from "./trust.js";

export class MetroNetwork {
  readonly trust: TrustStore;
  readonly da: CelestiaClient;
  /** Where this network's stretch ends (exclusive); undefined for the last one. */
  endRollupHeight: bigint | undefined;
  private gossip: BlockGossip | undefined;

  constructor(
    readonly config: NetworkConfig,
    readonly firstRollupHeight: bigint,
    readonly firstMetroHeight: bigint,
    home: string,
  ) {
    // The first network keeps the original file name, so homes made before forks existed resume.
    const file = firstRollupHeight === 1n ? "trust.json" : `trust-${config.metroChainId}.json`;
    this.trust = new TrustStore(join(home, file), {
      height: BigInt(config.trust.height),
      validatorsHash: fromHex(config.trust.validatorsHash),
    });
    this.da = new CelestiaClient({ url: config.daUrl, token: config.daToken });
  }

  get chainId(): string {
    return this.config.metroChainId;
  }

  metroHeightOf(rollupHeight: bigint): bigint {
    return this.firstMetroHeight + (rollupHeight - this.firstRollupHeight);
  }

  rollupHeightOf(metroHeight: bigint): bigint {
    return this.firstRollupHeight + (metroHeight - this.firstMetroHeight);
  }

  covers(rollupHeight: bigint): boolean {
    return (
      rollupHeight >= this.firstRollupHeight &&
      (this.endRollupHeight === undefined || rollupHeight < this.endRollupHeight)
    );
  }

  async startGossip(onBlock: (block: SequencerBlock) => void, log: Logger): Promise<void> {
    const gossip = await BlockGossip.start({
      chainId: this.chainId,
      // The conductor's own chain of trust: gossip checks each height against the set that
      // governs it, and what gossip verifies lets the conductor's next height verify too.
      trust: this.trust,
      port: this.config.gossip.port,
      host: this.config.gossip.host,
      announce: this.config.gossip.announce,
      log,
    });
    gossip.onBlock((block) => onBlock(block));
    for (const peer of this.config.gossip.peers) {
      await gossip
        .dial(peer)
        .catch((error: Error) => log.warn({ peer, err: error }, "could not dial gossip peer"));
    }
    this.gossip = gossip;
  }

  gossipAddresses(): string[] {
    return this.gossip?.addresses() ?? [];
  }

  async stopGossip(): Promise<void> {
    await this.gossip?.stop();
    this.gossip = undefined;
  }
}

/** The networks a rollup follows, oldest first: its own config, then each fork. */
export function rollupNetworks(
  config: ConductorConfig,
  sequencerStartHeight: bigint,
  home: string,
): MetroNetwork[] {
  const networks = [new MetroNetwork(config, 1n, sequencerStartHeight, home)];
  for (const fork of config.forks) {
    const network = new MetroNetwork(fork, BigInt(fork.rollupHeight), BigInt(fork.trust.height), home);
    networks[networks.length - 1]!.endRollupHeight = network.firstRollupHeight;
    networks.push(network);
  }
  return networks;
}
