/**
 * `metro tx` actions for staking, rewards, slashing and governance. Each builds the messages a
 * wallet would send; signing and broadcasting are tx.ts's.
 */
import { readFileSync } from "node:fs";
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { Coin } from "@cosmjs/stargate";
import { VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { z } from "zod";
import {
  buildChallenge,
  fraudProofOverRpc,
  genesisBlockHash,
  RollupGenesisSchema,
} from "../../conductor/index.js";
import { operatorAddress } from "../../core/address.js";
import { required, UsageError } from "../../core/cli-args.js";
import {
  MsgAddCurrencyPairsCodec,
  MsgHaltChainCodec,
  MsgRemoveCurrencyPairsCodec,
  MsgSlashValidatorCodec,
  MsgUpdateOracleParamsCodec,
  MsgUpdateSequencerParamsCodec,
} from "../../core/proto/gov.js";
import {
  MsgChallengeHeaderCodec,
  MsgJoinCommitteeCodec,
  MsgRegisterRollupCodec,
} from "../../core/proto/rollup.js";
import { MsgUpdateStakingParamsCodec } from "../../core/proto/staking.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { metroRegistry } from "../client/signing.js";
import { createValidatorMsg } from "../client/staking.js";
import { MIN_CHALLENGE_BOND } from "../modules/challenges.js";
import { GOV_AUTHORITY } from "../modules/params.js";

export interface ActionInput {
  address: string;
  /** Metro's RPC, for actions that read the chain first. */
  node: string;
  args: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  parseAmount: (text: string) => Coin;
}

const text = (input: ActionInput, name: string): string | undefined => {
  const value = input.options[name];
  return typeof value === "string" ? value : undefined;
};

const VOTE_OPTIONS: Record<string, VoteOption> = {
  yes: VoteOption.VOTE_OPTION_YES,
  no: VoteOption.VOTE_OPTION_NO,
  abstain: VoteOption.VOTE_OPTION_ABSTAIN,
  veto: VoteOption.VOTE_OPTION_NO_WITH_VETO,
};

const ProposalMessagesSchema = z.array(
  z.object({ typeUrl: z.string().startsWith("/"), value: z.record(z.string(), z.unknown()) }),
);

/** The messages a proposal carries, encoded as Any; the authority defaults to the gov module. */
function proposalMessages(input: ActionInput): { typeUrl: string; value: Uint8Array }[] {
  const registry = metroRegistry();
  const messages: EncodeObject[] = [];
  const file = text(input, "messages");
  if (file) {
    const parsed = ProposalMessagesSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) throw new UsageError(`--messages ${file}: ${z.prettifyError(parsed.error)}`);
    for (const m of parsed.data)
      messages.push({ typeUrl: m.typeUrl, value: { authority: GOV_AUTHORITY, ...m.value } });
  }
  const halt = text(input, "halt-height");
  if (halt) {
    messages.push({
      typeUrl: MsgHaltChainCodec.typeUrl,
      value: { authority: GOV_AUTHORITY, height: BigInt(halt) },
    });
  }
  const slash = text(input, "slash");
  if (slash) {
    const [validator, fraction] = slash.split("=");
    if (!validator || !fraction)
      throw new UsageError("--slash takes VALOPER=FRACTION, e.g. metrovaloper1…=0.1");
    messages.push({
      typeUrl: MsgSlashValidatorCodec.typeUrl,
      value: {
        authority: GOV_AUTHORITY,
        validatorAddress: validator,
        slashFraction: fraction,
        reason: text(input, "title") ?? "",
      },
    });
  }
  const pair = text(input, "add-pair");
  if (pair) {
    const [id, decimals] = pair.split(":");
    if (!id || !decimals) throw new UsageError("--add-pair takes BASE/QUOTE:DECIMALS, e.g. ATOM/USD:6");
    messages.push({
      typeUrl: MsgAddCurrencyPairsCodec.typeUrl,
      value: { authority: GOV_AUTHORITY, pairs: [{ id, decimals: Number(decimals) }] },
    });
  }
  return messages.map((message) => {
    const metro = METRO_GOV_CODECS.find((codec) => codec.typeUrl === message.typeUrl);
    if (metro)
      return { typeUrl: message.typeUrl, value: (metro.encode as (v: unknown) => Uint8Array)(message.value) };
    if (!registry.lookupType(message.typeUrl))
      throw new UsageError(`unknown message type ${message.typeUrl}`);
    return { typeUrl: message.typeUrl, value: registry.encode(message) };
  });
}

/** Metro's own governance-only messages, encoded from JSON-shaped values. */
const METRO_GOV_CODECS = [
  MsgHaltChainCodec,
  MsgSlashValidatorCodec,
  MsgAddCurrencyPairsCodec,
  MsgRemoveCurrencyPairsCodec,
  MsgUpdateOracleParamsCodec,
  MsgUpdateSequencerParamsCodec,
  MsgUpdateStakingParamsCodec,
];

type Action = (input: ActionInput) => EncodeObject[] | Promise<EncodeObject[]>;

export const STAKING_ACTIONS: Record<string, { usage: string; build: Action }> = {
  "create-validator": {
    usage: "create-validator --home DIR --amount AMOUNT [--moniker M] [--commission 0.05]",
    build: (input) => [
      createValidatorMsg(
        required(text(input, "home"), "--home DIR (the node whose keys to register)"),
        input.address,
        input.parseAmount(required(text(input, "amount"), "--amount AMOUNT (the self-bond)")),
        { moniker: text(input, "moniker") ?? "validator", commissionRate: text(input, "commission") },
      ),
    ],
  },
  delegate: {
    usage: "delegate VALOPER AMOUNT",
    build: ({ address, args, parseAmount }) => [
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
        value: {
          delegatorAddress: address,
          validatorAddress: required(args[0], "VALOPER"),
          amount: parseAmount(required(args[1], "AMOUNT")),
        },
      },
    ],
  },
  unbond: {
    usage: "unbond VALOPER AMOUNT",
    build: ({ address, args, parseAmount }) => [
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate",
        value: {
          delegatorAddress: address,
          validatorAddress: required(args[0], "VALOPER"),
          amount: parseAmount(required(args[1], "AMOUNT")),
        },
      },
    ],
  },
  redelegate: {
    usage: "redelegate FROM_VALOPER TO_VALOPER AMOUNT",
    build: ({ address, args, parseAmount }) => [
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
        value: {
          delegatorAddress: address,
          validatorSrcAddress: required(args[0], "FROM_VALOPER"),
          validatorDstAddress: required(args[1], "TO_VALOPER"),
          amount: parseAmount(required(args[2], "AMOUNT")),
        },
      },
    ],
  },
  "withdraw-rewards": {
    usage: "withdraw-rewards VALOPER",
    build: ({ address, args }) => [
      {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
        value: { delegatorAddress: address, validatorAddress: required(args[0], "VALOPER") },
      },
    ],
  },
  "withdraw-commission": {
    usage: "withdraw-commission",
    build: ({ address }) => [
      {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
        value: { validatorAddress: operatorAddress(address) },
      },
    ],
  },
  unjail: {
    usage: "unjail",
    build: ({ address }) => [
      { typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail", value: { validatorAddr: operatorAddress(address) } },
    ],
  },
  propose: {
    usage:
      "propose --title T [--summary S] --deposit AMOUNT [--halt-height H] [--slash VALOPER=FRACTION] [--add-pair ID:DECIMALS] [--messages FILE.json]",
    build: (input) => [
      {
        typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
        value: {
          messages: proposalMessages(input),
          initialDeposit: [input.parseAmount(required(text(input, "deposit"), "--deposit AMOUNT"))],
          proposer: input.address,
          metadata: "",
          title: required(text(input, "title"), "--title TITLE"),
          summary: text(input, "summary") ?? "",
          expedited: false,
        },
      },
    ],
  },
  vote: {
    usage: "vote PROPOSAL_ID yes|no|abstain|veto",
    build: ({ address, args }) => {
      const option = VOTE_OPTIONS[required(args[1], "yes|no|abstain|veto")];
      if (option === undefined)
        throw new UsageError(`vote option must be yes, no, abstain or veto, not "${args[1]}"`);
      return [
        {
          typeUrl: "/cosmos.gov.v1.MsgVote",
          value: {
            proposalId: BigInt(required(args[0], "PROPOSAL_ID")),
            voter: address,
            option,
            metadata: "",
          },
        },
      ];
    },
  },
  "register-rollup": {
    usage:
      "register-rollup NAME [--quorum 0.67] [--window 100] (--genesis ROLLUP_GENESIS.json | --kind none)",
    build: async (input) => {
      const kind = text(input, "kind") ?? "evm";
      const execution =
        kind === "evm"
          ? await evmExecution(required(text(input, "genesis"), "--genesis FILE (the rollup's genesis.json)"))
          : { evmChainId: 0n, genesisHash: new Uint8Array() };
      const name = required(input.args[0], "NAME");
      return [
        {
          typeUrl: MsgRegisterRollupCodec.typeUrl,
          value: {
            creator: input.address,
            name,
            quorum: text(input, "quorum") ?? "0.67",
            challengeWindow: BigInt(text(input, "window") ?? "100"),
            executionKind: kind,
            ...execution,
          },
        },
      ];
    },
  },
  "challenge-header": {
    usage: "challenge-header ROLLUP_NAME HEIGHT --evm-rpc URL [--bond 1000000]",
    build: async (input) => {
      const value = await buildChallenge({
        metroRpc: input.node,
        proof: fraudProofOverRpc(
          required(text(input, "evm-rpc"), "--evm-rpc URL (an honest EVM node of the rollup)"),
        ),
        rollupName: required(input.args[0], "ROLLUP_NAME"),
        rollupHeight: BigInt(required(input.args[1], "HEIGHT")),
        challenger: input.address,
        bond: BigInt(text(input, "bond") ?? MIN_CHALLENGE_BOND.toString()),
      });
      return [{ typeUrl: MsgChallengeHeaderCodec.typeUrl, value }];
    },
  },
  "join-committee": {
    usage: "join-committee ROLLUP_NAME   (signed by a validator's operator)",
    build: ({ address, args }) => [
      {
        typeUrl: MsgJoinCommitteeCodec.typeUrl,
        value: {
          validatorAddress: operatorAddress(address),
          rollupId: rollupIdFromName(required(args[0], "ROLLUP_NAME")),
        },
      },
    ],
  },
  deposit: {
    usage: "deposit PROPOSAL_ID AMOUNT",
    build: ({ address, args, parseAmount }) => [
      {
        typeUrl: "/cosmos.gov.v1.MsgDeposit",
        value: {
          proposalId: BigInt(required(args[0], "PROPOSAL_ID")),
          depositor: address,
          amount: [parseAmount(required(args[1], "AMOUNT"))],
        },
      },
    ],
  },
};

/** An EVM rollup's chain id and genesis hash, from its genesis file. */
async function evmExecution(file: string): Promise<{ evmChainId: bigint; genesisHash: Uint8Array }> {
  const parsed = RollupGenesisSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new UsageError(`--genesis ${file}: ${z.prettifyError(parsed.error)}`);
  return { evmChainId: BigInt(parsed.data.chainId), genesisHash: await genesisBlockHash(parsed.data) };
}
