/**
 * Running one tx against state: the ante checks (size, signer, sequence, signature, fee) and
 * then its messages. A tx is all or nothing: any failure leaves the state untouched, which is
 * what makes several MsgSequence in one tx an atomic bundle.
 */
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import type { Event } from "cosmjs-types/tendermint/abci/types";
import { moduleAddress } from "../../core/address.js";
import type { Fraction } from "../../core/decimal.js";
import type { Params } from "../../core/proto/sequencer.js";
import { encodeSecp256k1PubKey, getAccount, setAccount } from "../modules/auth.js";
import { credit, debit, parseCoins } from "../modules/bank.js";
import { gasFor, requiredFee } from "../modules/params.js";
import type { StateOverlay } from "../store/overlay.js";
import { legacyAminoMsgs } from "../tx/amino.js";
import { type DecodedTx, messageSigner, type TxMessage } from "../tx/decode.js";
import { SdkCode, SequencerCode, sdkError, sequencerError, TxError } from "../tx/errors.js";
import { signatureMemo, signBytes } from "../tx/sign-doc.js";
import type { Secp256k1Verifier } from "../tx/signature.js";
import { event } from "./events.js";
import { HANDLERS, type MessageEnv, type MessageHandler, type RollupItem } from "./handlers/index.js";

export type { RollupItem } from "./handlers/index.js";

export const FEE_COLLECTOR = moduleAddress("fee_collector");

/** CometBFT reports gas as int64: a larger limit would show up negative in results. */
const MAX_GAS_LIMIT = 2n ** 63n - 1n;

/** check: mempool admission. deliver: block execution. simulate: gas estimate, no signature or fee. */
export type TxMode = "check" | "deliver" | "simulate";

export interface TxContext {
  chainId: string;
  height: bigint;
  /** The block's time (CheckTx: the last block's). */
  timeMs: bigint;
  params: Params;
  minGasPrice: Fraction;
  verifier: Secp256k1Verifier;
  /**
   * CheckTx only: the largest tx any block can hold (from the consensus `block.max_bytes`);
   * undefined when unknown, and in blocks, whose txs did fit.
   */
  blockTxBytes?: number;
  /** Bytes to a decoded tx; the app passes a cache. */
  decode: (bytes: Uint8Array) => DecodedTx;
  mode: TxMode;
}

export interface TxOutcome {
  hash?: Uint8Array;
  code: number;
  codespace: string;
  log: string;
  gasWanted: bigint;
  gasUsed: bigint;
  events: Event[];
  data: Uint8Array;
  rollupItems: RollupItem[];
  /** On success, every state write the tx made (absolute values; null deletes). */
  writes: ReadonlyMap<string, Uint8Array | null>;
  /** On success, the values the tx read before writing: same reads, same writes. */
  reads: ReadonlyMap<string, Uint8Array | undefined>;
  /** The fee paid, in the fee denom; credited to the fee collector once per block. */
  fee: bigint;
  /** The tx read the block time: its CheckTx outcome cannot be reused in a block. */
  timeDependent: boolean;
}

const NO_WRITES: ReadonlyMap<string, Uint8Array | null> = new Map();
const NO_READS: ReadonlyMap<string, Uint8Array | undefined> = new Map();

function handlerOf(message: TxMessage): MessageHandler<TxMessage["value"]> {
  return HANDLERS[message.typeUrl] as MessageHandler<TxMessage["value"]>;
}

/** The rollup data a tx's messages carry, summed over its bundle. */
function rollupBytesOf(tx: DecodedTx): bigint {
  let rollupBytes = 0n;
  for (const message of tx.messages) {
    rollupBytes += BigInt(handlerOf(message).rollupBytes?.(message.value) ?? 0);
  }
  return rollupBytes;
}

export function gasOf(tx: DecodedTx, params: Params): bigint {
  return gasFor(params, tx.messages.length, rollupBytesOf(tx));
}

/** A tx no block can hold would sit in every mempool forever: refuse it at the door. */
function checkFitsBlock(tx: DecodedTx, txBytes: number, limit: number): void {
  const rollupBytes = rollupBytesOf(tx);
  if (rollupBytes > BigInt(limit)) {
    throw sequencerError(
      SequencerCode.BundleOverBlockLimit,
      `bundle of ${tx.messages.length} messages carries ${rollupBytes} bytes of rollup data; a block holds at most ${limit} bytes of txs (consensus block.max_bytes less header, commit and block commitment)`,
    );
  }
  if (txBytes > limit) {
    throw sequencerError(
      SequencerCode.TxOverBlockLimit,
      `tx is ${txBytes} bytes; a block holds a tx of at most ${limit} bytes (consensus block.max_bytes less header, commit and block commitment)`,
    );
  }
}

function validateMessage(message: TxMessage, signer: string, params: Params): void {
  const claimed = messageSigner(message);
  if (claimed !== signer) {
    throw sequencerError(
      SequencerCode.SignerMismatch,
      `message signer ${claimed} is not the tx signer ${signer}`,
    );
  }
  handlerOf(message).validate?.(message.value, params);
}

/** Fee checks that need no state: denom, and at least gas limit × minimum gas price. */
function checkFee(tx: DecodedTx, gasUsed: bigint, context: TxContext): bigint {
  const { params } = context;
  if (tx.fee.payer !== "" || tx.fee.granter !== "") {
    throw sdkError(SdkCode.InvalidRequest, "fee payers and fee grants are not supported");
  }
  if (tx.fee.gasLimit < gasUsed) {
    throw sdkError(SdkCode.OutOfGas, `out of gas: gas limit ${tx.fee.gasLimit}, gas needed ${gasUsed}`);
  }
  const coins = parseCoins(tx.fee.amount);
  const paid = coins.find((coin) => coin.denom === params.feeDenom)?.amount ?? 0n;
  if (coins.length > 1 || (coins.length === 1 && paid === 0n)) {
    throw sdkError(SdkCode.InsufficientFee, `fees are paid in ${params.feeDenom} only`);
  }
  const minimum = requiredFee(tx.fee.gasLimit, context.minGasPrice);
  if (paid < minimum) {
    throw sdkError(
      SdkCode.InsufficientFee,
      `insufficient fee: got ${paid}${params.feeDenom}, required ${minimum}${params.feeDenom} (gas limit ${tx.fee.gasLimit} at ${params.minGasPrice})`,
    );
  }
  return paid;
}

function verifySignature(tx: DecodedTx, accountNumber: bigint, memo: string, context: TxContext): boolean {
  return context.verifier.verify(
    tx.signer.pubkey,
    signBytes(tx, context.chainId, accountNumber),
    tx.signature,
    memo,
  );
}

function ante(state: StateOverlay, tx: DecodedTx, fee: bigint, context: TxContext): Event[] {
  const { signer } = tx;
  const account = getAccount(state, signer.address);
  if (!account) throw sdkError(SdkCode.UnknownAddress, `account ${signer.address} does not exist`);
  if (signer.sequence !== account.sequence) {
    throw sdkError(
      SdkCode.WrongSequence,
      `account sequence mismatch, expected ${account.sequence}, got ${signer.sequence}`,
    );
  }
  if (context.mode === "simulate") {
    // Nothing is signed yet, but what amino JSON cannot express fails here as it will in a block.
    if (signer.signMode === SignMode.SIGN_MODE_LEGACY_AMINO_JSON) legacyAminoMsgs(tx);
  } else {
    const memo = signatureMemo(tx, account.accountNumber);
    if (!context.verifier.isKnownValid(memo) && !verifySignature(tx, account.accountNumber, memo, context)) {
      throw sdkError(
        SdkCode.Unauthorized,
        `signature verification failed; please verify account number (${account.accountNumber}), sequence (${account.sequence}) and chain-id (${context.chainId})`,
      );
    }
  }
  // One `tx` event for the fee and sequence; the fee's bank transfer events are left out (every tx
  // pays one, and they would double the event volume CometBFT stores and indexes per block).
  // The fee collector is credited once per block (`creditBlockFees`), so txs of different
  // accounts touch no common key and a block can reuse CheckTx's work in any order.
  const attributes: Record<string, string> = { acc_seq: `${signer.address}/${signer.sequence}` };
  if (fee > 0n) {
    debit(state, signer.address, context.params.feeDenom, fee);
    attributes.fee = `${fee}${context.params.feeDenom}`;
    attributes.fee_payer = signer.address;
  }
  account.sequence += 1n;
  account.pubKey ??= encodeSecp256k1PubKey(signer.pubkey);
  setAccount(state, account);
  return [event("tx", attributes, ["acc_seq", "fee_payer"])];
}

/** Runs one message; returns its response for the tx's TxMsgData. */
function executeMessage(
  state: StateOverlay,
  tx: DecodedTx,
  msgIndex: number,
  context: TxContext,
  outcome: TxOutcome,
): { typeUrl: string; value: Uint8Array } {
  const message = tx.messages[msgIndex]!;
  const handler = handlerOf(message);
  const index = String(msgIndex);
  const env: MessageEnv = {
    state,
    params: context.params,
    height: context.height,
    blockTimeMs: () => {
      outcome.timeDependent = true;
      return context.timeMs;
    },
    signer: tx.signer.address,
    msgIndex,
    events: [],
    rollupItems: outcome.rollupItems,
  };
  const value = handler.execute(env, message.value);
  outcome.events.push(
    event(
      "message",
      { action: message.typeUrl, sender: tx.signer.address, module: handler.module, msg_index: index },
      ["action", "sender"],
    ),
    ...env.events.map((e) => withMsgIndex(e, index)),
  );
  return { typeUrl: handler.responseTypeUrl, value };
}

function withMsgIndex(e: Event, index: string): Event {
  return { ...e, attributes: [...e.attributes, { key: "msg_index", value: index, index: false }] };
}

/** A successful outcome that did nothing: where runTx starts, and what injected txs get. */
export function emptyOutcome(): TxOutcome {
  return {
    code: 0,
    codespace: "",
    log: "",
    gasWanted: 0n,
    gasUsed: 0n,
    events: [],
    data: new Uint8Array(),
    rollupItems: [],
    writes: NO_WRITES,
    reads: NO_READS,
    fee: 0n,
    timeDependent: false,
  };
}

/** Runs `bytes` against `state`. On success the tx's writes are merged into `state`; on failure none are. */
export function runTx(state: StateOverlay, bytes: Uint8Array, context: TxContext): TxOutcome {
  const outcome = emptyOutcome();
  try {
    if (bytes.length > context.params.maxTxBytes) {
      throw sdkError(
        SdkCode.TxTooLarge,
        `tx is ${bytes.length} bytes, over the limit of ${context.params.maxTxBytes}`,
      );
    }
    const tx = context.decode(bytes);
    outcome.hash = tx.hash;
    if (tx.fee.gasLimit > MAX_GAS_LIMIT) {
      throw sdkError(
        SdkCode.InvalidGasLimit,
        `gas limit ${tx.fee.gasLimit} is over the maximum ${MAX_GAS_LIMIT}`,
      );
    }
    outcome.gasWanted = tx.fee.gasLimit;
    outcome.gasUsed = gasOf(tx, context.params);
    if (context.blockTxBytes !== undefined) checkFitsBlock(tx, bytes.length, context.blockTxBytes);
    if ([...tx.memo].length > context.params.maxMemoChars) {
      throw sdkError(SdkCode.MemoTooLarge, `memo is longer than ${context.params.maxMemoChars} characters`);
    }
    if (tx.timeoutHeight > 0n && context.height > tx.timeoutHeight) {
      throw sdkError(SdkCode.TxTimeoutHeight, `tx timed out at height ${tx.timeoutHeight}`);
    }
    for (const message of tx.messages) validateMessage(message, tx.signer.address, context.params);
    const fee = context.mode === "simulate" ? 0n : checkFee(tx, outcome.gasUsed, context);
    const branch = state.branch({ recordReads: true });
    outcome.events.push(...ante(branch, tx, fee, context));
    const responses = tx.messages.map((_, index) => executeMessage(branch, tx, index, context, outcome));
    outcome.data = TxMsgData.encode({ data: [], msgResponses: responses }).finish();
    outcome.writes = branch.changes();
    outcome.reads = branch.reads();
    outcome.fee = fee;
    branch.mergeInto(state);
    return outcome;
  } catch (error) {
    if (!(error instanceof TxError)) throw error;
    return {
      ...outcome,
      code: error.code,
      codespace: error.codespace,
      log: error.message,
      events: [],
      rollupItems: [],
    };
  }
}

/** Credits the fees of a block's successful txs to the fee collector, after the last tx. */
export function creditBlockFees(state: StateOverlay, results: readonly TxOutcome[], denom: string): void {
  let total = 0n;
  for (const result of results) if (result.code === 0) total += result.fee;
  if (total > 0n) credit(state, FEE_COLLECTOR, denom, total);
}
