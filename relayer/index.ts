/** The relayer's public surface: SequencerBlocks, the Celestia client, the local DA, gossip, its commands. */
export { CelestiaClient, DaHeightPrunedError, waitForDa } from "./celestia/client.js";
export { daCommand, relayerCommand } from "./cli.js";
export { DEFAULT_DA_PORT } from "./da/server.js";
export { metroHeightsAtDaHeight } from "./da-progress.js";
export { readRollupAtDaHeight } from "./da-reader.js";
export { type DevnetRelaying, startDevnetRelaying } from "./devnet.js";
export { BlockGossip } from "./gossip.js";
export { type GossipNode, MultiaddrSchema, startGossipNode } from "./gossip-node.js";
export { GossipValidator, type Judgement, MAX_GOSSIP_BYTES } from "./gossip-validator.js";
export { registerDaMetrics, registerRelayerMetrics } from "./metrics.js";
export { BlockBuildError, buildSequencerBlock } from "./sequencer-block.js";
