/**
 * A gossip peer on its own thread for `bench relayer-live`: it subscribes to Metro's blocks as a
 * conductor does and reports each block it receives, with when. On a thread of its own, its
 * receipts are not delayed by the bench's load driver, which hashes and parses large blocks.
 * Messages to the parent: `{ address }` once listening, then `{ height, at }` per block.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createLogger } from "../core/log.js";
import { BlockGossip } from "../relayer/index.js";

export interface GossipPeerData {
  chainId: string;
  trustHeight: bigint;
  validatorsHash: Uint8Array;
}

const data = workerData as GossipPeerData;
const peer = await BlockGossip.start({
  chainId: data.chainId,
  trust: { height: data.trustHeight, validatorsHash: data.validatorsHash },
  log: createLogger("bench-peer", "error"),
});
peer.onBlock((block) => parentPort!.postMessage({ height: Number(block.header.height), at: Date.now() }));
parentPort!.on("message", () => {
  void peer.stop().then(() => parentPort!.close());
});
parentPort!.postMessage({ address: peer.addresses()[0] });
