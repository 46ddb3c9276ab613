import type { Event } from "cosmjs-types/tendermint/abci/types";
import type { Params } from "../../../core/proto/sequencer.js";
import type { StateOverlay } from "../../store/overlay.js";
import type { MessageOf, MessageTypeUrl } from "../../tx/messages.js";

/** One rollup transaction carried by a successful MsgSequence. */
export interface RollupItem {
  rollupId: Uint8Array;
  data: Uint8Array;
  msgIndex: number;
  /** merkleLeaf(data), hashed here so the block commitment need not hash it on the critical path. */
  leaf: Uint8Array;
}

/** What a message runs against: the tx's state branch and the block it is in. */
export interface MessageEnv {
  state: StateOverlay;
  params: Params;
  height: bigint;
  /** The block's time. Reading it marks the tx: CheckTx's outcome cannot stand in for it in a block. */
  blockTimeMs(): bigint;
  /** The tx's signer (already checked against the message's signer). */
  signer: string;
  msgIndex: number;
  /** Events of this message; msg_index is added to each. */
  events: Event[];
  rollupItems: RollupItem[];
}

export interface MessageHandler<T> {
  /** The module named in the message's "message" event. */
  module: string;
  responseTypeUrl: string;
  /** Checks that need no state, before the tx touches any. Throws TxError. */
  validate?(message: T, params: Params): void;
  /** Runs the message; returns its encoded response. Throws TxError to fail the whole tx. */
  execute(env: MessageEnv, message: T): Uint8Array;
  /** Rollup bytes the message carries, charged gas per byte. */
  rollupBytes?(message: T): number;
}

/** A handler for every message type: adding a type without one does not compile. */
export type HandlerMap = { [K in MessageTypeUrl]: MessageHandler<MessageOf<K>> };
