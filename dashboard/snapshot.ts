/**
 * What the dashboard server hands the browser at GET /api/state: plain JSON, every number a
 * chain counts in base units or fixed point already turned into display text, so the page only
 * lays it out. Each section keeps its last good data; `errors` says which failed on the last poll.
 */

/** One endpoint the dashboard reads, and whether its last read worked. */
export interface EndpointHealth {
  name: string;
  url: string;
  up: boolean;
  /** Why the last read failed (unreachable, garbage, an error reply). */
  error?: string;
  checkedAt: string;
}

export function endpointHealth(name: string, url: string, error?: string): EndpointHealth {
  return { name, url, up: error === undefined, error, checkedAt: new Date().toISOString() };
}

/** A rollup a block touched: its id (hex), its registered name when known, txs and bytes. */
export interface RollupTouch {
  id: string;
  name?: string;
  txs: number;
  bytes: number;
}

export interface BlockRow {
  height: number;
  time: string;
  /** The proposer's moniker, or its consensus address when it is not a known validator. */
  proposer: string;
  /** User txs (Metro's own commitment and injected votes not counted). */
  txs: number;
  /** Bytes of all the block's txs. */
  bytes: number;
  rollups: RollupTouch[];
}

export interface ChallengeRow {
  rollupHeight: number;
  outcome: string;
  reason: string;
  height: number;
}

export interface RollupRow {
  id: string;
  name?: string;
  registered: boolean;
  /** Rollup txs and bytes in the blocks the dashboard has seen. */
  seenTxs: number;
  seenBytes: number;
  latestHeader: number;
  /** The highest final header (0 when none is final yet). */
  finalThrough: number;
  /** Headers after finalThrough, still in their challenge window. */
  pending: number;
  challenges: ChallengeRow[];
}

export interface PricePoint {
  height: number;
  /** The on-chain price in decimal text, as `metro query prices` prints it. */
  price: string;
}

export interface VoteRow {
  validator: string;
  /** Its price for the pair in decimal text; null when its vote left the pair out. */
  price: string | null;
}

/** A chart point: the price the chain set for a height, and each validator's vote it came from. */
export interface ChartPoint extends PricePoint {
  votes: VoteRow[];
}

export interface PairView {
  pair: string;
  decimals: number;
  latest?: PricePoint;
  /** The chain's new prices, oldest first, at the heights their votes were cast (as `metro query prices` says). */
  points: ChartPoint[];
  /** Each committed validator's vote in the latest block that had votes. */
  votes: VoteRow[];
  votesHeight?: number;
}

export interface ValidatorRow {
  operator: string;
  moniker: string;
  /** Bonded stake in stTIA (decimal text). */
  stake: string;
  /** Voting power in CometBFT's set (whole TIA); 0 when out of the set. */
  power: number;
  /** Commission rate as a decimal fraction (e.g. "0.05"). */
  commission: string;
  /** Share of the slashing window signed, in percent; undefined before it has signing info. */
  uptime?: number;
  missedBlocks: number;
  window: number;
  status: string;
  jailed: boolean;
  tombstoned: boolean;
  /** Oracle bad blocks in the current penalty window (decimal text) and the most allowed. */
  oracleBadBlocks: string;
  oracleMaxBadBlocks: string;
}

export interface ProposalRow {
  id: string;
  title: string;
  status: string;
  votingEnd?: string;
  tally: { yes: string; no: string; abstain: string; veto: string };
}

/** A Prometheus endpoint the dashboard was given: listed with its health, and read where a panel needs it. */
export interface MetricsEndpoint {
  name: string;
  url: string;
}

/** The relayer's progress, from its metrics (metro_relayer_*, metro_gossip_peers). */
export interface RelayerProgress {
  /** Metro's head as the relayer last saw it. */
  metroHeight: number;
  gossipedThrough: number;
  postedThrough: number;
  /** Metro heights not yet posted to the DA. */
  daLag: number;
  posts: number;
  retries: number;
  /** Compressed bytes posted to the DA, and the SequencerBlock bytes they hold. */
  postedBytes: number;
  rawBytes: number;
  peers: number;
}

export interface RelayerView {
  /** The relayer's metrics URL; undefined when none was given. */
  metricsUrl?: string;
  progress?: RelayerProgress;
}

/** The local DA's own counters, from its metrics (metro_da_*). */
export interface DaMetrics {
  height: number;
  pendingBlobs: number;
  blobs: number;
  blobBytes: number;
}

export interface DaView {
  /** The DA's JSON-RPC (celestia-node's API); undefined when none was given. */
  url?: string;
  head?: number;
  /** The highest Metro height found in Metro's namespace on the DA, and at which DA height. */
  metroFoundThrough?: number;
  metroFoundAt?: number;
  /** The local DA's metrics URL (a celestia-node has none of Metro's). */
  metricsUrl?: string;
  metrics?: DaMetrics;
}

/** Keplr's chain-info JSON for `experimentalSuggestChain`. */
export interface KeplrCurrency {
  coinDenom: string;
  coinMinimalDenom: string;
  coinDecimals: number;
}

export interface KeplrChainInfo {
  chainId: string;
  chainName: string;
  rpc: string;
  rest: string;
  bip44: { coinType: number };
  bech32Config: Record<
    | "bech32PrefixAccAddr"
    | "bech32PrefixAccPub"
    | "bech32PrefixValAddr"
    | "bech32PrefixValPub"
    | "bech32PrefixConsAddr"
    | "bech32PrefixConsPub",
    string
  >;
  currencies: KeplrCurrency[];
  feeCurrencies: (KeplrCurrency & { gasPriceStep: { low: number; average: number; high: number } })[];
  stakeCurrency: KeplrCurrency;
  features: string[];
}

export type SectionName =
  | "blocks"
  | "prices"
  | "validators"
  | "rollups"
  | "governance"
  | "relayer"
  | "da"
  | "metrics"
  | "rest"
  | "wallet";

export interface Snapshot {
  updatedAt: string;
  chainId?: string;
  height?: number;
  endpoints: EndpointHealth[];
  errors: Partial<Record<SectionName, string>>;
  blocks: BlockRow[];
  rollups: RollupRow[];
  prices: PairView[];
  validators: ValidatorRow[];
  proposals: ProposalRow[];
  relayer: RelayerView;
  da: DaView;
  /** Every Prometheus endpoint given, with whether its last scrape worked. */
  metrics: EndpointHealth[];
  chainInfo?: KeplrChainInfo;
}

/** A snapshot before anything is read: every section empty, the endpoints as given. */
export function emptySnapshot(endpoints: EndpointHealth[]): Snapshot {
  return {
    updatedAt: new Date().toISOString(),
    endpoints,
    errors: {},
    blocks: [],
    rollups: [],
    prices: [],
    validators: [],
    proposals: [],
    relayer: {},
    da: {},
    metrics: [],
  };
}
