/**
 * Protobuf responses in the Cosmos SDK REST gateway's JSON: snake_case field names, 64-bit
 * integers as strings, bytes as base64, enums by name, and Any as `{"@type": …, …fields}`.
 * cosmjs-types' toJSON does all but the names and the Any expansion, which are done here.
 */
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { TextProposal } from "cosmjs-types/cosmos/gov/v1beta1/gov";

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

function isAny(value: Record<string, unknown>): value is { typeUrl: string; value: string } {
  const keys = Object.keys(value);
  return keys.length === 2 && typeof value.typeUrl === "string" && typeof value.value === "string";
}

export function toRestJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toRestJson);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (isAny(record)) {
    const codec = ANY_TYPES[record.typeUrl];
    if (!codec) return { "@type": record.typeUrl, value: record.value };
    const inner = (codec.toJSON as (m: unknown) => unknown)(
      codec.decode(Buffer.from(record.value, "base64")),
    );
    return { "@type": record.typeUrl, ...(toRestJson(inner) as Record<string, unknown>) };
  }
  return Object.fromEntries(Object.entries(record).map(([key, inner]) => [snake(key), toRestJson(inner)]));
}
