import type { Event } from "cosmjs-types/tendermint/abci/types";

/**
 * An ABCI event. Attributes named in `indexed` are indexed by CometBFT (so `searchTx` can find
 * txs by them); the rest are stored but not indexed, which keeps the indexer's work per tx small.
 */
export function event(
  type: string,
  attributes: Record<string, string>,
  indexed: readonly string[] = [],
): Event {
  return {
    type,
    attributes: Object.entries(attributes).map(([key, value]) => ({
      key,
      value,
      index: indexed.includes(key),
    })),
  };
}

/** The Cosmos SDK's bank events for a transfer, as wallets and explorers expect them. */
export function transferEvents(sender: string, recipient: string, amount: string): Event[] {
  return [
    event("coin_spent", { spender: sender, amount }, ["spender"]),
    event("coin_received", { receiver: recipient, amount }, ["receiver"]),
    event("transfer", { recipient, sender, amount }, ["recipient", "sender"]),
  ];
}
