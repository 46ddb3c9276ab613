/**
 * The conductor's public surface: what the CLI, the devnet and the benchmarks use. It drives
 * one rollup's execution engine from Metro (soft from gossip, firm from the DA), signs its
 * headers as a committee member, and builds fraud challenges; the reference EVM engine is here.
 */
export {
  buildChallenge,
  ChallengeBuildError,
  type FraudProofSource,
  fraudProofOverRpc,
} from "./challenge.js";
export { conductorCommand, evmCommand, rollupCommand } from "./cli.js";
export { Composer, type ComposerOptions, type ComposerSetup } from "./composer/composer.js";
export { ComposerError, RollupTxRefusedError, SequencingRefusedError } from "./composer/errors.js";
export {
  metroSequencingRpc,
  type SequencingRpc,
  type SequencingTerms,
  type Verdict,
} from "./composer/metro.js";
export { type ComposerTuning, ComposerTuningSchema, DEFAULT_TUNING } from "./composer/tuning.js";
export { Conductor, type ConductorOptions, type ConductorStats } from "./conductor.js";
export { type ConductorConfig, ConductorConfigSchema, loadConductorConfig } from "./config.js";
export { DEFAULT_ROLLUP, DevnetRollups } from "./devnet.js";
export { deployThroughDevnet, serveDevnetAdmin } from "./devnet-admin.js";
export { EvmChain, genesisBlockHash } from "./evm/chain.js";
export { type RollupGenesis, RollupGenesisSchema } from "./evm/genesis.js";
export { startEvmNode } from "./evm/node.js";
export { EvmStore } from "./evm/store.js";
export type { ExecutedBlock, ExecutionEngine, Price } from "./execution/api.js";
export { HeaderSigner } from "./headers.js";
export { registerConductorMetrics, registerEvmMetrics } from "./metrics.js";
export type { RollupMetricsPorts } from "./rollup-home.js";
export { TrustStore } from "./trust.js";
export { type VerifiedHeight, verifyHeight } from "./verify.js";
