/**
 * Protobuf responses in the Cosmos SDK REST gateway's JSON: snake_case field names, 64-bit
 * integers as strings, bytes as base64, enums by name, Any as `{"@type": …, …fields}`, and
 * LegacyDec as a decimal with 18 places. cosmjs-types' toJSON does all but the names, the Any
 * expansion and the decimals, which are done here.
 */
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { TextProposal } from "cosmjs-types/cosmos/gov/v1beta1/gov";
import { messageJson } from "../tx/messages.js";

interface JsonCodec {
  decode(bytes: Uint8Array): unknown;
  toJSON(message: never): unknown;
}

/** The Any types Metro's query responses hold. */
const ANY_TYPES: Record<string, JsonCodec> = {
  "/cosmos.auth.v1beta1.BaseAccount": BaseAccount,
  "/cosmos.crypto.ed25519.PubKey": Ed25519PubKey,
  "/cosmos.crypto.secp256k1.PubKey": Secp256k1PubKey,
  "/cosmos.gov.v1beta1.TextProposal": TextProposal,
};

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * LegacyDec fields of the responses served: on the wire the value × 10^18 as an integer, in the
 * gateway's JSON "1.500000000000000000". Wallets show what they read, so a raw value would be
 * a commission of 10^17 % and rewards 10^18 times too large.
 */
const DEC_FIELDS = new Set([
  "rate",
  "max_rate",
  "max_change_rate",
  "min_commission_rate",
  "delegator_shares",
  "shares",
  "shares_dst",
  "community_tax",
  "base_proposer_reward",
  "bonus_proposer_reward",
]);
/** The same, carried as bytes of the integer's text (x/slashing's Params). */
const DEC_BYTES_FIELDS = new Set([
  "min_signed_per_window",
  "slash_fraction_double_sign",
  "slash_fraction_downtime",
]);
/** Keys that hold DecCoin lists (rewards, commission, outstanding rewards): their amounts are LegacyDec. */
const DEC_COIN_LISTS = new Set(["rewards", "reward", "total", "commission"]);

/** LegacyDec wire text (the value × 10^18) as the SDK prints it. */
export function legacyDecText(wire: string): string {
  if (!/^-?\d+$/.test(wire)) return wire;
  const negative = wire.startsWith("-");
  const digits = (negative ? wire.slice(1) : wire).padStart(19, "0");
  const text = `${digits.slice(0, -18).replace(/^0+(?=\d)/, "")}.${digits.slice(-18)}`;
  return negative ? `-${text}` : text;
}

const isDecCoin = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  Object.keys(value).length === 2 &&
  "denom" in value &&
  typeof (value as { amount?: unknown }).amount === "string";

function decimalField(key: string, value: unknown): unknown {
  if (DEC_FIELDS.has(key) && typeof value === "string") return legacyDecText(value);
  if (DEC_BYTES_FIELDS.has(key) && typeof value === "string") {
    return legacyDecText(Buffer.from(value, "base64").toString("latin1"));
  }
  if (DEC_COIN_LISTS.has(key) && Array.isArray(value) && value.every(isDecCoin)) {
    return (value as { denom: string; amount: string }[]).map((coin) => ({
      denom: coin.denom,
      amount: legacyDecText(coin.amount),
    }));
  }
  return value;
}

function isAny(value: Record<string, unknown>): value is { typeUrl: string; value: string } {
  const keys = Object.keys(value);
  return keys.length === 2 && typeof value.typeUrl === "string" && typeof value.value === "string";
}

/** An Any's content as proto3 JSON: query types, and every tx message Metro knows. */
function anyJson(typeUrl: string, bytes: Uint8Array): unknown {
  const codec = ANY_TYPES[typeUrl];
  try {
    return codec
      ? (codec.toJSON as (m: unknown) => unknown)(codec.decode(bytes))
      : messageJson(typeUrl, bytes);
  } catch {
    return undefined; // bytes that do not decode are shown as they are
  }
}

export function toRestJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toRestJson);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (isAny(record)) {
    const inner = anyJson(record.typeUrl, Buffer.from(record.value, "base64"));
    if (inner === undefined) return { "@type": record.typeUrl, value: record.value };
    return { "@type": record.typeUrl, ...(toRestJson(inner) as Record<string, unknown>) };
  }
  return Object.fromEntries(
    Object.entries(record).map(([key, inner]) => [snake(key), decimalField(snake(key), toRestJson(inner))]),
  );
}
