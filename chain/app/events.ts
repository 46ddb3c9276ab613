import type { Event } from "cosmjs-types/tendermint/abci/types";

/** An ABCI event whose attributes are all indexed, so `searchTx` can find txs by them. */
export function event(type: string, attributes: Record<string, string>): Event {
  return {
    type,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value, index: true })),
  };
}

export function transferEvents(sender: string, recipient: string, amount: string): Event[] {
  return [
    event("coin_spent", { spender: sender, amount }),
    event("coin_received", { receiver: recipient, amount }),
    event("transfer", { recipient, sender, amount }),
  ];
}
