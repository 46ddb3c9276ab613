import { intOption, parse, UsageError } from "../../core/cli-args.js";
import { operatorAddresses, testAccountAddresses } from "../client/keys.js";
import { DEVNET_CHAIN_ID, devnetAppState, initValidatorHomes, isInitialized } from "../node/home.js";

/** `metro init --home DIR`: a single-validator home with the test accounts funded. */
export async function initCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    home: { type: "string" },
    "chain-id": { type: "string" },
    moniker: { type: "string" },
    "port-base": { type: "string" },
  });
  const home = values.home;
  if (!home) throw new UsageError("metro init needs --home DIR");
  if (isInitialized(home)) throw new UsageError(`${home} is already initialized`);
  const portBase = intOption(values["port-base"], "port-base", 26656);
  const chainId = values["chain-id"] ?? DEVNET_CHAIN_ID;
  initValidatorHomes(
    [
      {
        home,
        moniker: values.moniker ?? "validator-0",
        ports: { p2p: portBase, rpc: portBase + 1 },
        operator: (await operatorAddresses(1))[0],
      },
    ],
    chainId,
    devnetAppState(await testAccountAddresses()),
  );
  console.log(`initialized ${home} for chain ${chainId}; run: metro start --home ${home}`);
}
