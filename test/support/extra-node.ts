import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { configureComet, initCometHome, nodeId } from "../../chain/node/cometbft.js";
import type { Devnet } from "../../chain/node/devnet.js";
import { appSocketPath, genesisPath } from "../../chain/node/home.js";
import { ValidatorProcess } from "../../chain/node/process.js";
import { createLogger } from "../../core/log.js";

export interface ExtraNode {
  home: string;
  rpc: string;
  process: ValidatorProcess;
}

/**
 * Another Metro node (app and CometBFT) joining a running devnet: a full node with its own
 * consensus key, or, with `keyFrom`, a twin that signs with another node's validator key (the
 * way a careless operator double-signs).
 */
export async function startExtraNode(
  devnet: Devnet,
  name: string,
  ports: { p2p: number; rpc: number },
  options: { keyFrom?: string } = {},
): Promise<ExtraNode> {
  const home = join(devnet.options.home, name);
  initCometHome(home);
  copyFileSync(genesisPath(devnet.specs[0]!.home), genesisPath(home));
  if (options.keyFrom) {
    const key = join("config", "priv_validator_key.json");
    copyFileSync(join(options.keyFrom, key), join(home, key));
  }
  const peers = devnet.specs.map((spec) => `${nodeId(spec.home)}@127.0.0.1:${spec.ports.p2p}`);
  configureComet(home, {
    moniker: name,
    proxy_app: `unix://${appSocketPath(home)}`,
    "rpc.laddr": `tcp://127.0.0.1:${ports.rpc}`,
    "p2p.laddr": `tcp://127.0.0.1:${ports.p2p}`,
    "p2p.persistent_peers": peers.join(","),
    "p2p.addr_book_strict": false,
    "p2p.allow_duplicate_ip": true,
    "p2p.pex": false,
    "consensus.timeout_commit": "1s",
  });
  const process = new ValidatorProcess(name, home, createLogger(`test-${name}`, "error"));
  await process.start();
  return { home, rpc: `http://127.0.0.1:${ports.rpc}`, process };
}
