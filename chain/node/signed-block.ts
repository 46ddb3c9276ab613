/**
 * A block with everything needed to verify it, read from CometBFT's RPC: header, txs, the
 * commit that signed it, and the validator set at its height; with an injected oracle commit,
 * also the oracle state its votes are read against, with proofs. Every field is validated and
 * converted to the protobuf shapes in core/comet, so hashes and signatures can be checked.
 */
import { z } from "zod";
import { fromBase64, fromHex, utf8 } from "../../core/bytes.js";
import type { BlockId, Commit, Header, Timestamp, Validator } from "../../core/comet/types.js";
import {
  ORACLE_STATE_KEYS,
  type OracleStateMessage,
  priceStateKey,
  type StateEntryMessage,
  stateEntry,
} from "../../core/oracle-state.js";
import { QueryPath } from "../../core/proto/sequencer.js";
import { decodePairList } from "../../oracle/index.js";
import { injectedTxCount } from "../app/block-layout.js";
import { SMT_PROOF_OP_TYPE } from "../app/query.js";
import { abciQuery, RpcError, rpcGet } from "./rpc.js";

const hex = z.string().regex(/^([0-9A-Fa-f]{2})*$/);
const int = z.string().regex(/^-?\d+$/);
const base64 = z.string();

const BlockIdJson = z.object({
  hash: hex,
  parts: z.object({ total: z.number().int().nonnegative(), hash: hex }),
});

const HeaderJson = z.object({
  version: z.object({ block: int, app: int.optional() }),
  chain_id: z.string(),
  height: int,
  time: z.string(),
  last_block_id: BlockIdJson,
  last_commit_hash: hex,
  data_hash: hex,
  validators_hash: hex,
  next_validators_hash: hex,
  consensus_hash: hex,
  app_hash: hex,
  last_results_hash: hex,
  evidence_hash: hex,
  proposer_address: hex,
});

const CommitJson = z.object({
  height: int,
  round: z.number().int().nonnegative(),
  block_id: BlockIdJson,
  signatures: z.array(
    z.object({
      block_id_flag: z.number().int(),
      validator_address: hex,
      timestamp: z.string(),
      signature: base64.nullable(),
    }),
  ),
});

const BlockResponse = z.object({
  result: z.object({
    block: z.object({ header: HeaderJson, data: z.object({ txs: z.array(base64).nullable() }) }),
  }),
});
const CommitResponse = z.object({
  result: z.object({ signed_header: z.object({ header: HeaderJson, commit: CommitJson }) }),
});
const ValidatorsResponse = z.object({
  result: z.object({
    validators: z.array(
      z.object({
        address: hex,
        pub_key: z.object({ type: z.string(), value: base64 }),
        voting_power: int,
        proposer_priority: int,
      }),
    ),
    total: int,
  }),
});

/** RFC 3339 with up to nanoseconds, as CometBFT prints times, to a protobuf Timestamp. */
export function parseTimestamp(text: string): Timestamp {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!match) throw new RpcError(`unexpected timestamp ${text}`);
  const millis = Date.parse(`${match[1]}Z`);
  if (Number.isNaN(millis)) throw new RpcError(`unexpected timestamp ${text}`);
  return { seconds: BigInt(millis / 1000), nanos: Number((match[2] ?? "").padEnd(9, "0")) };
}

function blockId(json: z.infer<typeof BlockIdJson>): BlockId {
  return {
    hash: fromHex(json.hash),
    partSetHeader: { total: json.parts.total, hash: fromHex(json.parts.hash) },
  };
}

function header(json: z.infer<typeof HeaderJson>): Header {
  return {
    version: { block: BigInt(json.version.block), app: BigInt(json.version.app ?? 0) },
    chainId: json.chain_id,
    height: BigInt(json.height),
    time: parseTimestamp(json.time),
    lastBlockId: blockId(json.last_block_id),
    lastCommitHash: fromHex(json.last_commit_hash),
    dataHash: fromHex(json.data_hash),
    validatorsHash: fromHex(json.validators_hash),
    nextValidatorsHash: fromHex(json.next_validators_hash),
    consensusHash: fromHex(json.consensus_hash),
    appHash: fromHex(json.app_hash),
    lastResultsHash: fromHex(json.last_results_hash),
    evidenceHash: fromHex(json.evidence_hash),
    proposerAddress: fromHex(json.proposer_address),
  };
}

function commit(json: z.infer<typeof CommitJson>): Commit {
  return {
    height: BigInt(json.height),
    round: json.round,
    blockId: blockId(json.block_id),
    signatures: json.signatures.map((sig) => ({
      blockIdFlag: sig.block_id_flag,
      validatorAddress: fromHex(sig.validator_address),
      // Absent votes carry Go's zero time; they are never verified, so any value does.
      timestamp: sig.block_id_flag === 1 ? { seconds: 0n, nanos: 0 } : parseTimestamp(sig.timestamp),
      signature: sig.signature ? fromBase64(sig.signature) : new Uint8Array(),
    })),
  };
}

function validator(json: z.infer<typeof ValidatorsResponse>["result"]["validators"][number]): Validator {
  if (json.pub_key.type !== "tendermint/PubKeyEd25519") {
    throw new RpcError(`validator ${json.address} has a ${json.pub_key.type} key; Metro expects ed25519`);
  }
  return {
    address: fromHex(json.address),
    pubKey: { ed25519: fromBase64(json.pub_key.value) },
    votingPower: BigInt(json.voting_power),
    proposerPriority: BigInt(json.proposer_priority),
  };
}

export interface SignedBlockData {
  header: Header;
  txs: Uint8Array[];
  commit: Commit;
  validators: Validator[];
  /** Set when the block carries an injected oracle commit (its second tx). */
  oracleState?: OracleStateMessage;
}

/** The validator set at `height`, in the set's order (at most 100 validators per page). */
export async function validatorsAt(rpcUrl: string, height: number): Promise<Validator[]> {
  const validators: Validator[] = [];
  for (let page = 1; ; page++) {
    const { result } = await rpcGet(
      `${rpcUrl}/validators?height=${height}&page=${page}&per_page=100`,
      ValidatorsResponse,
    );
    validators.push(...result.validators.map(validator));
    if (validators.length >= Number(result.total) || result.validators.length === 0) return validators;
  }
}

/**
 * The oracle state block `height`'s votes are read against: the entries as the app committed
 * them at `height - 1`, with proofs against that state's root, which is `appHash`, block
 * `height`'s header app_hash; and the price entry of every pair they name, which is what block
 * `height - 1`'s FinalizeBlock wrote.
 */
export async function oracleStateAt(
  rpcUrl: string,
  height: number,
  appHash: Uint8Array,
): Promise<OracleStateMessage> {
  const entry = async (key: string) => {
    const reply = await abciQuery(rpcUrl, QueryPath.storeKey, utf8(key), height - 1, true);
    const proof = reply.proofOps.find((op) => op.type === SMT_PROOF_OP_TYPE);
    if (reply.code !== 0 || !proof) {
      throw new RpcError(`${key} at height ${height - 1}: no proof (code ${reply.code}: ${reply.log})`);
    }
    return stateEntry(appHash, key, reply.value, proof.data);
  };
  const [pairs, votePairs, voteBase] = await Promise.all([
    entry(ORACLE_STATE_KEYS.pairs),
    entry(ORACLE_STATE_KEYS.votePairs),
    entry(ORACLE_STATE_KEYS.voteBase),
  ]);
  const ids = [...new Set([pairs, votePairs].flatMap(pairIds))].sort();
  const prices = await Promise.all(
    ids.map(async (pair) => ({ pair, entry: await entry(priceStateKey(pair)) })),
  );
  return { pairs, votePairs, voteBase, prices };
}

/** The pair ids a pair-list entry holds (none when the key is absent). */
function pairIds(entry: StateEntryMessage): string[] {
  return entry.present ? decodePairList(entry.value).map((pair) => pair.id) : [];
}

/** Block `height` with its commit; the commit exists once the block is committed. */
export async function signedBlockAt(rpcUrl: string, height: number): Promise<SignedBlockData> {
  const [block, signed, validators] = await Promise.all([
    rpcGet(`${rpcUrl}/block?height=${height}`, BlockResponse),
    rpcGet(`${rpcUrl}/commit?height=${height}`, CommitResponse),
    validatorsAt(rpcUrl, height),
  ]);
  const data: SignedBlockData = {
    header: header(block.result.block.header),
    txs: (block.result.block.data.txs ?? []).map(fromBase64),
    commit: commit(signed.result.signed_header.commit),
    validators,
  };
  if (injectedTxCount(data.txs) === 2) {
    data.oracleState = await oracleStateAt(rpcUrl, height, data.header.appHash);
  }
  return data;
}
