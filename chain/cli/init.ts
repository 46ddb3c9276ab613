import { hostOption, intOption, parse, UsageError } from "../../core/cli-args.js";
import { operatorAddresses, testAccountAddresses } from "../client/keys.js";
import { configureComet } from "../node/cometbft.js";
import {
  DEVNET_CHAIN_ID,
  DEVNET_SELF_BOND,
  devnetAppState,
  initValidatorHomes,
  isInitialized,
} from "../node/home.js";
import {
  cometNetworkConfig,
  type Operator,
  operatorKey,
  parseFunding,
  parseSelfBond,
} from "./init-network.js";

const OPTIONS = {
  home: { type: "string" },
  "chain-id": { type: "string" },
  devnet: { type: "boolean" },
  moniker: { type: "string" },
  "port-base": { type: "string" },
  key: { type: "string" },
  "keyring-dir": { type: "string" },
  fund: { type: "string", multiple: true },
  "self-bond": { type: "string" },
  host: { type: "string" },
  "p2p-laddr": { type: "string" },
  "rpc-laddr": { type: "string" },
  "external-address": { type: "string" },
  "persistent-peers": { type: "string" },
} as const;

/**
 * `metro init --home DIR`: a single-validator devnet home, the test accounts funded.
 * `metro init --home DIR --chain-id ID`: a real network's genesis validator, bonded by the
 * operator's own key (`--key NAME`, or a new one), funding only what `--fund` asks for.
 */
export async function initCommand(args: string[]): Promise<void> {
  const { values } = parse(args, OPTIONS);
  const home = values.home;
  if (!home) throw new UsageError("metro init needs --home DIR");
  if (isInitialized(home)) throw new UsageError(`${home} is already initialized`);
  const devnet = values["chain-id"] === undefined || values.devnet === true;
  if (devnet && values.key !== undefined)
    throw new UsageError("--key is for a real network: give --chain-id");
  const chainId = values["chain-id"] ?? DEVNET_CHAIN_ID;
  const portBase = intOption(values["port-base"], "port-base", 26656);
  const ports = { p2p: portBase, rpc: portBase + 1 };
  const network = cometNetworkConfig(
    {
      host: hostOption(values.host),
      ports,
      p2pLaddr: values["p2p-laddr"],
      rpcLaddr: values["rpc-laddr"],
      externalAddress: values["external-address"],
      persistentPeers: values["persistent-peers"],
    },
    devnet,
  );
  const funded = parseFunding(values.fund ?? []);
  const selfBond = values["self-bond"] === undefined ? DEVNET_SELF_BOND : parseSelfBond(values["self-bond"]);
  const operator: Operator = devnet
    ? { address: (await operatorAddresses(1))[0]! }
    : await operatorKey(home, values.key, values["keyring-dir"]);
  const appState = devnetAppState(devnet ? await testAccountAddresses() : []);
  initValidatorHomes(
    [{ home, moniker: values.moniker ?? "validator-0", ports, operator: operator.address, selfBond }],
    chainId,
    { ...appState, accounts: [...appState.accounts, ...funded] },
    undefined,
    { fundOperators: devnet },
  );
  configureComet(home, network);
  report(home, chainId, operator);
}

function report(home: string, chainId: string, operator: Operator): void {
  console.log(`initialized ${home} for chain ${chainId}; run: metro start --home ${home}`);
  console.log(`operator: ${operator.address}`);
  if (operator.mnemonic) {
    console.log(`operator key written to ${operator.keyFile} (mode 0600); its mnemonic, shown once:`);
    console.log(operator.mnemonic);
  }
}
