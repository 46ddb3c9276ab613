/**
 * The devnet faucet: `metro_faucet(address)` sends a fixed amount from a funded account,
 * through the same path as any user's tx (eth_sendRawTransaction, so Metro sequences it).
 */
import type { HDAccount } from "viem/accounts";
import { z } from "zod";
import type { Handler } from "./json-rpc.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x-prefixed 20-byte address");

export const FAUCET_AMOUNT = 10n * 10n ** 18n;

/** Adds `metro_faucet` to `handlers`, using their own eth_getTransactionCount and eth_sendRawTransaction. */
export function addFaucet(handlers: Map<string, Handler>, account: HDAccount, chainId: number): void {
  const call = (method: string, params: unknown[]) => handlers.get(method)!(params);
  let queue: Promise<unknown> = Promise.resolve();
  let nextNonce = 0n;
  const drip = async (to: string): Promise<string> => {
    const pending = BigInt((await call("eth_getTransactionCount", [account.address, "pending"])) as string);
    const nonce = pending > nextNonce ? pending : nextNonce;
    const raw = await account.signTransaction({
      chainId,
      type: "eip1559",
      to: to as `0x${string}`,
      value: FAUCET_AMOUNT,
      nonce: Number(nonce),
      gas: 21_000n,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 6n,
    });
    const hash = (await call("eth_sendRawTransaction", [raw])) as string;
    nextNonce = nonce + 1n;
    return hash;
  };
  handlers.set("metro_faucet", ([to]) => {
    const run = queue.then(() => drip(address.parse(to)));
    queue = run.catch(() => undefined);
    return run;
  });
}
