/**
 * One valid message of every type a Metro tx may carry, for a given signer: what the campaign
 * mutates. Each would be accepted in the right state (the signer's own validator, a registered
 * rollup), so mutations of its fields reach the handler's checks instead of failing at decode.
 */

import { GOV_AUTHORITY } from "../../chain/modules/params.js";
import {
  encodeMessage,
  MESSAGE_CODECS,
  type MessageTypeUrl,
  type TxMessage,
} from "../../chain/tx/messages.js";
import { operatorAddress } from "../../core/address.js";
import { blsKeyPair, blsProvePOP, blsSign } from "../../core/bls.js";
import { utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { rollupHeaderHash, type SignedHeader } from "../../core/rollup-header.js";

export const CHAOS_ROLLUP = "chaos-rollup";

export interface SignerContext {
  address: string;
  /** Another funded account. */
  other: string;
  /** The signer's index among the test accounts (its validator's keys derive from it). */
  index: number;
}

export interface EncodedMessage {
  typeUrl: string;
  value: Uint8Array;
}

const fee = (amount: string) => ({ denom: DEFAULT_LST_DENOM, amount });

/** The BLS keys and a signed header of the signer's validator (signing is slow: made once each). */
const blsCache = new Map<
  number,
  { keys: ReturnType<typeof blsKeyPair>; pop: Uint8Array; header: SignedHeader }
>();

function blsOf(index: number) {
  let entry = blsCache.get(index);
  if (!entry) {
    const keys = blsKeyPair(new Uint8Array(48).fill(200 - index));
    const header = {
      rollupId: rollupIdFromName(CHAOS_ROLLUP),
      rollupHeight: 1n,
      parentHash: new Uint8Array(32),
      metroHeight: 2n,
      daHeight: 1n,
      dataRoot: new Uint8Array(32).fill(1),
      stateRoot: new Uint8Array(32).fill(2),
      blockHash: new Uint8Array(32).fill(3),
    };
    const signed = {
      header,
      aggregateSignature: blsSign(keys.secretKey, rollupHeaderHash(header)),
      signerBitmap: Uint8Array.of(1),
    };
    entry = { keys, pop: blsProvePOP(keys), header: signed };
    blsCache.set(index, entry);
  }
  return entry;
}

function governed(message: TxMessage): EncodedMessage {
  return { typeUrl: message.typeUrl, value: encodeMessage(message) };
}

/** The messages only governance may send, as a proposal carries them. */
function authorityMessages(signer: SignerContext): TxMessage[] {
  const authority = GOV_AUTHORITY;
  const validator = operatorAddress(signer.address);
  return [
    {
      typeUrl: "/metro.staking.v1.MsgUpdateParams",
      value: {
        authority,
        params: {
          unbondingTimeSeconds: 1_814_400n,
          maxValidators: 100,
          maxEntries: 7,
          epochLength: 10n,
          minSelfDelegation: "1000000",
          minCommissionRate: "0",
        },
      },
    },
    {
      typeUrl: "/cosmos.gov.v1.MsgUpdateParams",
      value: {
        authority,
        params: {
          minDeposit: [fee("10000000")],
          maxDepositPeriod: { seconds: 60n, nanos: 0 },
          votingPeriod: { seconds: 60n, nanos: 0 },
          quorum: "0.334",
          threshold: "0.5",
          vetoThreshold: "0.334",
          minInitialDepositRatio: "0",
          proposalCancelRatio: "0",
          proposalCancelDest: "",
          expeditedVotingPeriod: { seconds: 30n, nanos: 0 },
          expeditedThreshold: "0.667",
          expeditedMinDeposit: [],
          burnVoteQuorum: false,
          burnProposalDepositPrevote: false,
          burnVoteVeto: false,
          minDepositRatio: "0",
        },
      },
    },
    {
      typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
      value: {
        authority,
        params: {
          signedBlocksWindow: 100n,
          minSignedPerWindow: utf8("500000000000000000"),
          downtimeJailDuration: { seconds: 600n, nanos: 0 },
          slashFractionDoubleSign: utf8("50000000000000000"),
          slashFractionDowntime: utf8("10000000000000000"),
        },
      },
    },
    {
      typeUrl: "/metro.sequencer.v1.MsgUpdateParams",
      value: {
        authority,
        params: {
          feeDenom: DEFAULT_LST_DENOM,
          minGasPrice: "0.002",
          gasPerTx: 30_000n,
          gasPerMessage: 10_000n,
          gasPerRollupByte: 10n,
          maxRollupDataBytes: 262_144,
          maxTxBytes: 1_048_576,
          maxMemoChars: 256,
        },
      },
    },
    {
      typeUrl: "/metro.gov.v1.MsgSlashValidator",
      value: { authority, validatorAddress: validator, slashFraction: "0.1", reason: "chaos" },
    },
    { typeUrl: "/metro.gov.v1.MsgHaltChain", value: { authority, height: 1_000_000_000n } },
    {
      typeUrl: "/metro.oracle.v1.MsgAddCurrencyPairs",
      value: { authority, pairs: [{ id: "CHAOS/USD", decimals: 8 }] },
    },
    { typeUrl: "/metro.oracle.v1.MsgRemoveCurrencyPairs", value: { authority, pairIds: ["CHAOS/USD"] } },
    {
      typeUrl: "/metro.oracle.v1.MsgUpdateParams",
      value: {
        authority,
        params: {
          windowBlocks: 100n,
          maxBadBlocks: 50n,
          deviationBand: "0.1",
          slashFraction: "0.01",
          jailSeconds: 600n,
        },
      },
    },
  ] as TxMessage[];
}

function userMessages(signer: SignerContext): TxMessage[] {
  const { address } = signer;
  const validator = operatorAddress(address);
  const otherValidator = operatorAddress(signer.other);
  const rollupId = rollupIdFromName(CHAOS_ROLLUP);
  const bls = blsOf(signer.index);
  const proposal = authorityMessages(signer).map((message) => governed(message));
  return [
    {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: address, toAddress: signer.other, amount: [fee("1")] },
    },
    { typeUrl: "/metro.sequencer.v1.MsgSequence", value: { signer: address, rollupId, data: utf8("chaos") } },
    {
      typeUrl: "/metro.staking.v1.MsgCreateValidator",
      value: {
        moniker: `chaos-${signer.index}`,
        commissionRate: "0.1",
        minSelfDelegation: "1000000",
        delegatorAddress: address,
        consensusPubkey: new Uint8Array(32).fill(100 + signer.index),
        blsPubkey: bls.keys.publicKey,
        blsProofOfPossession: bls.pop,
        value: fee("2000000"),
      },
    },
    {
      typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
      value: { delegatorAddress: address, validatorAddress: validator, amount: fee("1000") },
    },
    {
      typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate",
      value: { delegatorAddress: address, validatorAddress: validator, amount: fee("10") },
    },
    {
      typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
      value: {
        delegatorAddress: address,
        validatorSrcAddress: validator,
        validatorDstAddress: otherValidator,
        amount: fee("10"),
      },
    },
    {
      typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
      value: { delegatorAddress: address, validatorAddress: validator },
    },
    {
      typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
      value: { validatorAddress: validator },
    },
    { typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail", value: { validatorAddr: validator } },
    {
      typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
      value: {
        messages: [proposal[signer.index % proposal.length]!],
        initialDeposit: [fee("10000000")],
        proposer: address,
        metadata: "",
        title: "chaos",
        summary: "hostile input",
        expedited: false,
      },
    },
    { typeUrl: "/cosmos.gov.v1.MsgVote", value: { proposalId: 1n, voter: address, option: 1, metadata: "" } },
    {
      typeUrl: "/cosmos.gov.v1.MsgDeposit",
      value: { proposalId: 1n, depositor: address, amount: [fee("1000")] },
    },
    {
      typeUrl: "/metro.rollup.v1.MsgRegisterRollup",
      value: {
        creator: address,
        name: CHAOS_ROLLUP,
        quorum: "0.67",
        challengeWindow: 3n,
        executionKind: "evm",
        evmChainId: 4242n,
        genesisHash: new Uint8Array(32).fill(0x42),
      },
    },
    { typeUrl: "/metro.rollup.v1.MsgJoinCommittee", value: { validatorAddress: validator, rollupId } },
    { typeUrl: "/metro.rollup.v1.MsgSubmitRollupHeader", value: { submitter: address, signed: bls.header } },
    {
      typeUrl: "/metro.rollup.v1.MsgSubmitEquivocation",
      value: { submitter: address, first: bls.header, second: bls.header },
    },
    {
      typeUrl: "/metro.rollup.v1.MsgChallengeHeader",
      value: {
        challenger: address,
        rollupId,
        rollupHeight: 1n,
        bond: "1000000",
        metroBlock: new Uint8Array(),
        parentHeader: new Uint8Array(),
        witness: new Uint8Array(),
      },
    },
  ] as TxMessage[];
}

/** Every message type, valid for `signer`: the user messages, then the authority-only ones as sent directly. */
export function messageTemplates(signer: SignerContext): EncodedMessage[] {
  const all = [...userMessages(signer), ...authorityMessages(signer)].map(governed);
  const covered = new Set(all.map((message) => message.typeUrl));
  const missing = (Object.keys(MESSAGE_CODECS) as MessageTypeUrl[]).filter((url) => !covered.has(url));
  if (missing.length > 0) throw new Error(`no chaos template for ${missing.join(", ")}`);
  return all;
}
