/** What a real chain's state says about its prices, read over RPC at a height. */
import assert from "node:assert/strict";
import { decodePrice, priceKey } from "../../chain/modules/oracle.js";
import { abciQuery } from "../../chain/node/rpc.js";
import { utf8 } from "../../core/bytes.js";
import { QueryPath } from "../../core/proto/sequencer.js";
import { type AgreedPrice, DEFAULT_PAIRS } from "../../oracle/index.js";

/** The prices FinalizeBlock wrote at `height`: those stamped with height - 1 (their votes' height). */
export async function writtenAt(rpc: string, height: number): Promise<Map<string, AgreedPrice>> {
  const written = new Map<string, AgreedPrice>();
  for (const pair of DEFAULT_PAIRS) {
    const reply = await abciQuery(rpc, QueryPath.storeKey, utf8(priceKey(pair.id)), height);
    assert.equal(reply.code, 0, reply.log);
    if (reply.value.length === 0) continue;
    const price = decodePrice(reply.value);
    if (price.height === BigInt(height - 1)) {
      written.set(pair.id, { price: price.price, decimals: price.decimals });
    }
  }
  return written;
}
