import { type EncodeObject, Registry } from "@cosmjs/proto-signing";
import {
  type AminoConverters,
  AminoTypes,
  createDefaultAminoConverters,
  defaultRegistryTypes,
  GasPrice,
  SigningStargateClient,
  StargateClient,
} from "@cosmjs/stargate";
import {
  MsgUnjail,
  MsgUpdateParams as MsgUpdateSlashingParams,
} from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { type ProtoCodec, registryType } from "../../core/proto/codec.js";
import {
  MsgChallengeHeaderCodec,
  MsgJoinCommitteeCodec,
  MsgRegisterRollupCodec,
  MsgSubmitEquivocationCodec,
  MsgSubmitRollupHeaderCodec,
} from "../../core/proto/rollup.js";
import type { MsgSequence } from "../../core/proto/sequencer.js";
import { MsgSequenceCodec } from "../../core/proto/sequencer.js";
import { MsgCreateValidatorCodec } from "../../core/proto/staking.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { DEFAULT_PARAMS } from "../modules/params.js";
import { AMINO_FORMS, type AminoForm } from "../tx/amino.js";
import { aminoWalletFromMnemonic, walletFromMnemonic } from "./keys.js";

/** cosmjs' default registry plus Metro's own messages, so SigningStargateClient can sign them. */
export function metroRegistry(): Registry {
  const registry = new Registry(defaultRegistryTypes);
  const metroCodecs = [
    MsgSequenceCodec,
    MsgCreateValidatorCodec,
    MsgRegisterRollupCodec,
    MsgJoinCommitteeCodec,
    MsgSubmitRollupHeaderCodec,
    MsgSubmitEquivocationCodec,
    MsgChallengeHeaderCodec,
  ] as ProtoCodec<unknown>[];
  for (const codec of metroCodecs) registry.register(codec.typeUrl, registryType(codec));
  // cosmjs' defaults leave out slashing.
  registry.register("/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail);
  registry.register("/cosmos.slashing.v1beta1.MsgUpdateParams", MsgUpdateSlashingParams);
  return registry;
}

/**
 * cosmjs' amino converters (bank, staking, distribution: the shapes Keplr's own are) plus Metro's
 * forms for what cosmjs lacks: gov v1, slashing and Metro's own messages.
 */
export function metroAminoTypes(): AminoTypes {
  const metro: AminoConverters = {};
  for (const [typeUrl, form] of Object.entries(AMINO_FORMS) as [string, AminoForm<unknown>][]) {
    if (form.fromAmino) {
      metro[typeUrl] = { aminoType: form.name, toAmino: form.toAmino, fromAmino: form.fromAmino };
    }
  }
  return new AminoTypes({ ...createDefaultAminoConverters(), ...metro });
}

export function defaultGasPrice(): GasPrice {
  return GasPrice.fromString(`${DEFAULT_PARAMS.minGasPrice}${DEFAULT_PARAMS.feeDenom}`);
}

export interface MetroSigner {
  client: SigningStargateClient;
  address: string;
}

/** SIGN_MODE_DIRECT, or SIGN_MODE_LEGACY_AMINO_JSON (what Ledger and Keplr's amino path sign). */
export type ClientSignMode = "direct" | "amino";

/** A SigningStargateClient for account `index` of `mnemonic`, connected to a Metro RPC. */
export async function connectSigner(
  rpcUrl: string,
  mnemonic: string,
  index = 0,
  gasPrice: GasPrice = defaultGasPrice(),
  signMode: ClientSignMode = "direct",
): Promise<MetroSigner> {
  const wallet =
    signMode === "amino"
      ? await aminoWalletFromMnemonic(mnemonic, [index])
      : await walletFromMnemonic(mnemonic, [index]);
  const [account] = await wallet.getAccounts();
  const client = await SigningStargateClient.connectWithSigner(rpcUrl, wallet, {
    registry: metroRegistry(),
    aminoTypes: metroAminoTypes(),
    gasPrice,
    // A tx lands in the next block (about a second): cosmjs's 3 s default poll would wait out two more.
    broadcastPollIntervalMs: 500,
  });
  return { client, address: account!.address };
}

export async function connectReader(rpcUrl: string): Promise<StargateClient> {
  return StargateClient.connect(rpcUrl);
}

/** A MsgSequence for the rollup called `rollupName`. */
export function sequenceMsg(signer: string, rollupName: string, data: Uint8Array): EncodeObject {
  const value: MsgSequence = { signer, rollupId: rollupIdFromName(rollupName), data };
  return { typeUrl: MsgSequenceCodec.typeUrl, value };
}
