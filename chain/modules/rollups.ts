/**
 * Rollup headers, optimistically signed: rollups register with a committee quorum and a
 * challenge window, validators opt into committees, headers arrive with an aggregate BLS
 * signature and a signer bitmap, wait out the window as pending, then become final. Two
 * different headers for one height signed by the same members are evidence: those members are
 * slashed, jailed and tombstoned at the end of the block (slashing reads queues a tx may not).
 */

import { blsFastAggregateVerify } from "../../core/bls.js";
import { fromUtf8, toHex, utf8 } from "../../core/bytes.js";
import { compareFractions, DecimalError, parseUnitFraction } from "../../core/decimal.js";
import {
  type RollupRecord,
  RollupRecordCodec,
  type StoredHeader,
  StoredHeaderCodec,
} from "../../core/proto/rollup.js";
import { rollupIdFromName } from "../../core/rollup.js";
import {
  bitmapIndexes,
  meetsQuorum,
  type RollupHeader,
  rollupHeaderHash,
  type SignedHeader,
} from "../../core/rollup-header.js";
import { orderedKeyPart, readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { moduleError, RollupCode } from "../tx/errors.js";
import { getValidator } from "./staking.js";

const rollupKey = (id: Uint8Array): string => `rollup/rollup/${toHex(id)}`;
const latestKey = (id: Uint8Array): string => `rollup/latest/${toHex(id)}`;
export const headerKey = (id: Uint8Array, height: bigint): string =>
  `rollup/header/${toHex(id)}/${orderedKeyPart(height)}`;
const FINALITY_QUEUE = "rollup/finality-queue/";
const PENDING_SLASH = "rollup/pending-slash/";
const MAX_COMMITTEE = 1000;
const EXECUTION_KINDS = ["evm", "none"];

const rollupError = (code: number, message: string) => moduleError("rollup", code, message);

export function getRollup(state: StateReader, id: Uint8Array): RollupRecord | undefined {
  const bytes = state.get(rollupKey(id));
  return bytes ? RollupRecordCodec.decode(bytes) : undefined;
}

export function requireRollup(state: StateReader, id: Uint8Array): RollupRecord {
  const rollup = getRollup(state, id);
  if (!rollup) throw rollupError(RollupCode.RollupNotFound, `rollup ${toHex(id)} is not registered`);
  return rollup;
}

export function getHeader(state: StateReader, id: Uint8Array, height: bigint): StoredHeader | undefined {
  const bytes = state.get(headerKey(id, height));
  return bytes ? StoredHeaderCodec.decode(bytes) : undefined;
}

/** What MsgRegisterRollup asks for, minus its creator. */
export type RollupRegistration = Pick<
  RollupRecord,
  "name" | "quorum" | "challengeWindow" | "executionKind" | "evmChainId" | "genesisHash"
>;

export function registerRollup(
  state: StateOverlay,
  creator: string,
  registration: RollupRegistration,
): Uint8Array {
  const { name, quorum, challengeWindow, executionKind } = registration;
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    throw rollupError(RollupCode.InvalidRollup, "name must be 1 to 64 of a-z, 0-9, '.', '_', '-'");
  }
  try {
    if (compareFractions(parseUnitFraction(quorum), { numerator: 1n, denominator: 2n }) <= 0) {
      throw rollupError(RollupCode.InvalidRollup, `quorum ${quorum} must be more than 0.5`);
    }
  } catch (error) {
    if (error instanceof DecimalError)
      throw rollupError(RollupCode.InvalidRollup, `quorum: ${error.message}`);
    throw error;
  }
  if (challengeWindow < 1n || challengeWindow > 1_000_000n) {
    throw rollupError(RollupCode.InvalidRollup, "challenge window must be 1 to 1,000,000 blocks");
  }
  checkExecution(registration);
  const id = rollupIdFromName(name);
  if (getRollup(state, id))
    throw rollupError(RollupCode.RollupExists, `rollup ${name} is already registered`);
  const { evmChainId, genesisHash } = registration;
  const record: RollupRecord = {
    ...{ id, name, creator, quorum, challengeWindow, executionKind },
    ...{ committee: [], evmChainId, genesisHash },
  };
  state.set(rollupKey(id), RollupRecordCodec.encode(record));
  return id;
}

/** An "evm" rollup names its chain id and genesis hash (a challenge is judged with them); "none" names neither. */
function checkExecution({ executionKind, evmChainId, genesisHash }: RollupRegistration): void {
  if (!EXECUTION_KINDS.includes(executionKind)) {
    throw rollupError(
      RollupCode.InvalidRollup,
      `execution kind must be one of ${EXECUTION_KINDS.join(", ")}`,
    );
  }
  if (executionKind === "evm") {
    if (evmChainId < 1n || evmChainId > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw rollupError(RollupCode.InvalidRollup, `evm chain id ${evmChainId} must be 1 to 2^53 - 1`);
    }
    if (genesisHash.length !== 32)
      throw rollupError(RollupCode.InvalidRollup, "an evm rollup's genesis hash is 32 bytes");
  } else if (evmChainId !== 0n || genesisHash.length !== 0) {
    throw rollupError(
      RollupCode.InvalidRollup,
      `a "${executionKind}" rollup has no evm chain id or genesis hash`,
    );
  }
}

/** Appends a validator to a committee: members keep their index, which bitmaps refer to. */
export function joinCommittee(state: StateOverlay, operator: string, rollupId: Uint8Array): void {
  const rollup = requireRollup(state, rollupId);
  const validator = getValidator(state, operator);
  if (!validator) throw rollupError(RollupCode.NotAMember, `validator ${operator} does not exist`);
  if (validator.jailed) throw rollupError(RollupCode.NotAMember, `validator ${operator} is jailed`);
  if (rollup.committee.includes(operator)) {
    throw rollupError(
      RollupCode.NotAMember,
      `validator ${operator} is already in ${rollup.name}'s committee`,
    );
  }
  if (rollup.committee.length >= MAX_COMMITTEE) {
    throw rollupError(RollupCode.NotAMember, `${rollup.name}'s committee is full (${MAX_COMMITTEE})`);
  }
  rollup.committee.push(operator);
  state.set(rollupKey(rollupId), RollupRecordCodec.encode(rollup));
}

/**
 * Checks a signed header against the committee: a bitmap naming members only, signers holding
 * at least the quorum of the (unjailed) committee's stake, and a valid aggregate signature over
 * the header hash with the signers' registered keys. Returns the signers' operator addresses.
 */
export function verifySignedHeader(state: StateReader, rollup: RollupRecord, signed: SignedHeader): string[] {
  const signers = bitmapSigners(rollup, signed);
  let committeeStake = 0n;
  for (const operator of rollup.committee) {
    const member = getValidator(state, operator);
    if (member && !member.jailed) committeeStake += BigInt(member.tokens);
  }
  let signedStake = 0n;
  for (const operator of signers) {
    const member = getValidator(state, operator);
    if (!member || member.jailed)
      throw rollupError(RollupCode.NotAMember, `signer ${operator} is jailed or gone`);
    signedStake += BigInt(member.tokens);
  }
  const quorum = parseUnitFraction(rollup.quorum);
  if (!meetsQuorum(signedStake, committeeStake, quorum) || signers.length === 0) {
    throw rollupError(
      RollupCode.BelowQuorum,
      `signers hold ${signedStake} of ${committeeStake} committee stake, below the quorum ${rollup.quorum}`,
    );
  }
  verifyAggregate(state, signed, signers);
  return signers;
}

/**
 * The members named by a signed header's bitmap, whose aggregate signature over it verifies.
 * No quorum and no jail check: a member who signed two headers for one height equivocated
 * whoever else signed, and being jailed since does not undo it.
 */
export function verifiedSigners(state: StateReader, rollup: RollupRecord, signed: SignedHeader): string[] {
  const signers = bitmapSigners(rollup, signed);
  if (signers.length === 0) throw rollupError(RollupCode.InvalidHeader, "the signer bitmap names nobody");
  verifyAggregate(state, signed, signers);
  return signers;
}

function bitmapSigners(rollup: RollupRecord, signed: SignedHeader): string[] {
  if (!signed.header) throw rollupError(RollupCode.InvalidHeader, "signed header has no header");
  const size = rollup.committee.length;
  if (signed.signerBitmap.length !== Math.ceil(size / 8)) {
    throw rollupError(
      RollupCode.InvalidHeader,
      `signer bitmap is ${signed.signerBitmap.length} bytes, the committee of ${size} needs ${Math.ceil(size / 8)}`,
    );
  }
  const indexes = bitmapIndexes(signed.signerBitmap);
  const outside = indexes.find((index) => index >= size);
  if (outside !== undefined)
    throw rollupError(RollupCode.NotAMember, `signer ${outside} is not in the committee of ${size}`);
  return indexes.map((index) => rollup.committee[index]!);
}

function verifyAggregate(state: StateReader, signed: SignedHeader, signers: readonly string[]): void {
  const keys = signers.map((operator) => {
    const member = getValidator(state, operator);
    if (!member) throw rollupError(RollupCode.NotAMember, `signer ${operator} is gone`);
    return member.blsPubkey;
  });
  if (!blsFastAggregateVerify(signed.aggregateSignature, rollupHeaderHash(signed.header!), keys)) {
    throw rollupError(RollupCode.BadSignature, "aggregate signature does not verify for the signers' keys");
  }
}

/** Stores the next header of a rollup as pending; it becomes final `challenge_window` blocks later. */
export function submitHeader(state: StateOverlay, signed: SignedHeader, height: bigint): RollupHeader {
  const header = signed.header;
  if (!header) throw rollupError(RollupCode.InvalidHeader, "signed header has no header");
  const rollup = requireRollup(state, header.rollupId);
  const latest = latestHeight(state, header.rollupId);
  if (header.rollupHeight !== latest + 1n) {
    throw rollupError(
      RollupCode.InvalidHeader,
      `expected rollup height ${latest + 1n}, got ${header.rollupHeight}`,
    );
  }
  const parent =
    latest === 0n
      ? new Uint8Array(32)
      : rollupHeaderHash(getHeader(state, header.rollupId, latest)!.signed!.header!);
  if (toHex(parent) !== toHex(header.parentHash)) {
    throw rollupError(RollupCode.InvalidHeader, `parent hash does not match header ${latest}`);
  }
  if (header.metroHeight >= height) {
    throw rollupError(
      RollupCode.InvalidHeader,
      `metro height ${header.metroHeight} is not before this block (${height})`,
    );
  }
  verifySignedHeader(state, rollup, signed);
  state.set(
    headerKey(header.rollupId, header.rollupHeight),
    StoredHeaderCodec.encode({ signed, submittedHeight: height, final: false }),
  );
  writeInteger(state, latestKey(header.rollupId), header.rollupHeight);
  const finalAt = height + rollup.challengeWindow;
  // The entry names the submission it is for: a header rejected by a challenge and submitted
  // again must not become final on the first submission's schedule.
  state.set(
    `${FINALITY_QUEUE}${orderedKeyPart(finalAt)}/${toHex(header.rollupId)}/${orderedKeyPart(header.rollupHeight)}`,
    utf8(height.toString()),
  );
  return header;
}

export function latestHeight(state: StateReader, id: Uint8Array): bigint {
  return readInteger(state, latestKey(id));
}

/**
 * Equivocation: two different headers for one rollup height, each properly signed. Every
 * member who signed both is marked for slashing at the end of the block. Returns them.
 */
export function submitEquivocation(state: StateOverlay, first: SignedHeader, second: SignedHeader): string[] {
  const a = first.header;
  const b = second.header;
  if (!a || !b) throw rollupError(RollupCode.InvalidHeader, "equivocation needs two headers");
  if (toHex(a.rollupId) !== toHex(b.rollupId) || a.rollupHeight !== b.rollupHeight) {
    throw rollupError(RollupCode.NotEquivocation, "the headers are for different rollups or heights");
  }
  if (toHex(rollupHeaderHash(a)) === toHex(rollupHeaderHash(b))) {
    throw rollupError(RollupCode.NotEquivocation, "the two headers are the same header");
  }
  const rollup = requireRollup(state, a.rollupId);
  const firstSigners = new Set(verifiedSigners(state, rollup, first));
  const both = verifiedSigners(state, rollup, second).filter((operator) => firstSigners.has(operator));
  if (both.length === 0)
    throw rollupError(RollupCode.NotEquivocation, "no committee member signed both headers");
  for (const operator of both) markForSlashing(state, { operator, reason: "rollup_equivocation" });
  return both;
}

/** A committee member to slash, jail and tombstone at the end of the block, and why. */
export interface PendingSlash {
  operator: string;
  reason: "rollup_equivocation" | "rollup_fraud";
  /** Paid part of what the slash burns: the challenger who proved a fraud. */
  beneficiary?: string;
}

export function markForSlashing(state: StateOverlay, slash: PendingSlash): void {
  state.set(`${PENDING_SLASH}${slash.operator}`, utf8(JSON.stringify(slash)));
}

/** The members marked this block; the marks are removed. */
export function takePendingSlashes(state: StateOverlay): PendingSlash[] {
  if (!state.scan) throw new Error("reading pending slashes needs a scannable state");
  const marks = Array.from(state.scan(PENDING_SLASH), ([key, value]) => ({ key, value }));
  for (const { key } of marks) state.delete(key);
  return marks.map(({ value }) => JSON.parse(fromUtf8(value)) as PendingSlash);
}

/**
 * Removes the header at `height` and every later one (a fraud was proven at `height`): the
 * committee resubmits from there, and the finality queue skips what was removed.
 */
export function rejectFrom(state: StateOverlay, id: Uint8Array, height: bigint): void {
  const latest = latestHeight(state, id);
  for (let at = height; at <= latest; at++) state.delete(headerKey(id, at));
  writeInteger(state, latestKey(id), height - 1n);
}

/** Marks final every header whose challenge window ends at or before `height`. */
export function finalizeHeaders(
  state: StateOverlay,
  height: bigint,
): { rollupId: string; rollupHeight: bigint }[] {
  if (!state.scan) throw new Error("finalizing headers needs a scannable state");
  const done: { rollupId: string; rollupHeight: bigint }[] = [];
  const due: [string, bigint][] = [];
  for (const [key, value] of state.scan(FINALITY_QUEUE)) {
    const [at] = key.slice(FINALITY_QUEUE.length).split("/");
    if (BigInt(`0x${at}`) > height) break;
    due.push([key, BigInt(fromUtf8(value))]);
  }
  for (const [key, submittedHeight] of due) {
    const [, idHex, rollupHeight] = key.slice(FINALITY_QUEUE.length).split("/");
    const id = Buffer.from(idHex!, "hex");
    const at = BigInt(`0x${rollupHeight}`);
    const stored = getHeader(state, id, at);
    state.delete(key);
    if (!stored || stored.submittedHeight !== submittedHeight) continue; // rejected since
    state.set(headerKey(id, at), StoredHeaderCodec.encode({ ...stored, final: true }));
    done.push({ rollupId: idHex!, rollupHeight: at });
  }
  return done;
}
