/**
 * Rollup headers on a test network: a rollup registered with a committee of its validators, and
 * headers signed with the BLS keys in their homes and submitted by a user.
 */
import assert from "node:assert/strict";
import { operatorAccountIndex, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { connectSigner, type MetroSigner } from "../../chain/client/signing.js";
import type { Devnet } from "../../chain/node/devnet.js";
import { loadOrCreateBlsKey } from "../../chain/node/home.js";
import { operatorAddress } from "../../core/address.js";
import { blsAggregateSignatures, blsSign } from "../../core/bls.js";
import {
  MsgJoinCommitteeCodec,
  MsgRegisterRollupCodec,
  MsgSubmitRollupHeaderCodec,
} from "../../core/proto/rollup.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { type RollupHeader, rollupHeaderHash, signerBitmap } from "../../core/rollup-header.js";

/** A running devnet: a test network or the chaos stack. */
export interface WithDevnet {
  devnet: Devnet;
}

/** Rollup height 1's header, saying Metro height `metroHeight`; `fill` makes its roots distinct. */
export function firstHeader(rollupId: Uint8Array, metroHeight: bigint, fill: number): RollupHeader {
  return {
    rollupId,
    rollupHeight: 1n,
    parentHash: new Uint8Array(32),
    metroHeight,
    daHeight: 0n,
    dataRoot: new Uint8Array(32).fill(fill),
    stateRoot: new Uint8Array(32).fill(fill + 1),
    blockHash: new Uint8Array(32).fill(fill + 2),
  };
}

export interface TestRollup {
  name: string;
  quorum: string;
  /** Blocks a header stays pending before it is final. */
  window: bigint;
  /** Registered as an "evm" rollup with this chain id and genesis hash (none: no execution). */
  evm?: { chainId: bigint; genesisHash: Uint8Array };
}

/** Registers `rollup` and has the validators at `committee` join its committee, in that order. */
export async function registerRollup(
  net: WithDevnet,
  user: MetroSigner,
  rollup: TestRollup,
  committee: readonly number[],
): Promise<void> {
  const value = {
    creator: user.address,
    name: rollup.name,
    quorum: rollup.quorum,
    challengeWindow: rollup.window,
    executionKind: rollup.evm ? "evm" : "none",
    ...(rollup.evm ? { evmChainId: rollup.evm.chainId, genesisHash: rollup.evm.genesisHash } : {}),
  };
  const registered = await user.client.signAndBroadcast(
    user.address,
    [{ typeUrl: MsgRegisterRollupCodec.typeUrl, value }],
    "auto",
  );
  assert.equal(registered.code, 0, registered.rawLog);
  for (const i of committee) {
    const operator = await connectSigner(net.devnet.rpcUrl(0), TEST_MNEMONIC, operatorAccountIndex(i));
    try {
      const join = {
        validatorAddress: operatorAddress(operator.address),
        rollupId: rollupIdFromName(rollup.name),
      };
      const joined = await operator.client.signAndBroadcast(
        operator.address,
        [{ typeUrl: MsgJoinCommitteeCodec.typeUrl, value: join }],
        "auto",
      );
      assert.equal(joined.code, 0, joined.rawLog);
    } finally {
      operator.client.disconnect();
    }
  }
}

/** `header` signed by the validators at `signers`, members of `committee` (validator indexes in committee order). */
export function signHeader(
  net: WithDevnet,
  header: RollupHeader,
  committee: readonly number[],
  signers: readonly number[],
) {
  const hash = rollupHeaderHash(header);
  const signatures = signers.map((i) =>
    blsSign(loadOrCreateBlsKey(net.devnet.specs[i]!.home).secretKey, hash),
  );
  return {
    header,
    aggregateSignature: blsAggregateSignatures(signatures),
    signerBitmap: signerBitmap(
      committee.length,
      signers.map((i) => committee.indexOf(i)),
    ),
  };
}

export function submitHeader(user: MetroSigner, signed: ReturnType<typeof signHeader>) {
  return user.client.signAndBroadcast(
    user.address,
    [{ typeUrl: MsgSubmitRollupHeaderCodec.typeUrl, value: { submitter: user.address, signed } }],
    "auto",
  );
}
