import {
  QueryClient,
  setupDistributionExtension,
  setupGovExtension,
  setupStakingExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { bondStatusToJSON, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { fromHex, toHex, utf8 } from "../../core/bytes.js";
import { intOption, parse, required, UsageError } from "../../core/cli-args.js";
import { fromLegacyDec } from "../../core/decimal.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { QueryPath } from "../../core/proto/sequencer.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { fromFixedPoint } from "../../oracle/index.js";
import {
  QueryFailedError,
  queryBlockRollups,
  queryChallenges,
  queryPairs,
  queryParams,
  queryPrice,
  queryRollup,
  queryRollupData,
  queryRollupHeader,
} from "../client/queries.js";
import { connectReader } from "../client/signing.js";
import { abciQuery } from "../node/rpc.js";

/** cosmjs's query extensions for staking, rewards and governance, over a node's RPC. */
async function stakingQueries(node: string) {
  return QueryClient.withExtensions(
    await Comet38Client.connect(node),
    setupStakingExtension,
    setupDistributionExtension,
    setupGovExtension,
  );
}

function validatorSummary(v: Validator) {
  return {
    operator: v.operatorAddress,
    moniker: v.description?.moniker,
    status: bondStatusToJSON(v.status),
    jailed: v.jailed,
    tokens: v.tokens,
    commission: fromLegacyDec(v.commission?.commissionRates?.rate ?? "0"),
  };
}

function print(value: unknown): void {
  console.log(
    JSON.stringify(
      value,
      (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? toHex(v) : v),
      2,
    ),
  );
}

/** A refused query is the user's to fix (wrong height, unknown rollup), not a crash. */
async function orUsageError<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof QueryFailedError) throw new UsageError(error.message);
    throw error;
  }
}

export async function queryCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    node: { type: "string" },
    denom: { type: "string" },
    height: { type: "string" },
    rollup: { type: "string" },
    "rollup-id": { type: "string" },
  });
  const node = values.node ?? "http://127.0.0.1:26657";
  const [what, argument] = positionals;
  switch (what) {
    case "balance": {
      const client = await connectReader(node);
      const address = required(argument, "address: metro query balance ADDRESS");
      print(await client.getBalance(address, values.denom ?? DEFAULT_LST_DENOM));
      client.disconnect();
      return;
    }
    case "account": {
      const client = await connectReader(node);
      print(await client.getAccount(required(argument, "address: metro query account ADDRESS")));
      client.disconnect();
      return;
    }
    case "tx": {
      const client = await connectReader(node);
      print(await client.getTx(required(argument, "hash: metro query tx HASH")));
      client.disconnect();
      return;
    }
    case "params":
      print({ params: await orUsageError(queryParams(node)) });
      return;
    case "rollup-data": {
      const height = BigInt(intOption(values.height, "height", 0));
      if (height === 0n) throw new UsageError("metro query rollup-data needs --height H");
      const rollupId = values["rollup-id"]
        ? fromHex(values["rollup-id"])
        : rollupIdFromName(required(values.rollup, "--rollup NAME or --rollup-id HEX"));
      const response = await orUsageError(queryRollupData(node, height, rollupId));
      print({
        ...response,
        txs: response.txs.map((tx) => ({ ...tx, text: Buffer.from(tx.data).toString("utf8") })),
      });
      return;
    }
    case "prices": {
      const pairs = argument ? [argument] : (await orUsageError(queryPairs(node))).map((pair) => pair.id);
      const prices = [];
      for (const pair of pairs) {
        const price = await orUsageError(queryPrice(node, pair));
        prices.push(
          price
            ? { pair, ...price, decimal: fromFixedPoint(price.price, price.decimals) }
            : { pair, price: null },
        );
      }
      print({ prices });
      return;
    }
    case "block-rollups": {
      const height = BigInt(required(argument, "height: metro query block-rollups HEIGHT"));
      print({ height, rollups: await orUsageError(queryBlockRollups(node, height)) });
      return;
    }
    case "key": {
      const key = required(argument, "key: metro query key KEY");
      const result = await abciQuery(node, QueryPath.storeKey, utf8(key));
      print({ code: result.code, log: result.log, value: Buffer.from(result.value).toString("utf8") });
      return;
    }
    case "validators": {
      const q = await stakingQueries(node);
      print((await q.staking.validators("")).validators.map(validatorSummary));
      return;
    }
    case "delegations": {
      const q = await stakingQueries(node);
      const address = required(argument, "address: metro query delegations ADDR");
      print((await q.staking.delegatorDelegations(address)).delegationResponses);
      return;
    }
    case "rewards": {
      const q = await stakingQueries(node);
      print(
        await q.distribution.delegationTotalRewards(required(argument, "address: metro query rewards ADDR")),
      );
      return;
    }
    case "rollup": {
      const name = required(argument, "name: metro query rollup NAME");
      const found = await orUsageError(queryRollup(node, rollupIdFromName(name)));
      if (!found) throw new UsageError(`rollup ${name} is not registered`);
      print(found);
      return;
    }
    case "header": {
      const name = required(argument, "name: metro query header NAME HEIGHT");
      const height = BigInt(required(positionals[2], "height: metro query header NAME HEIGHT"));
      const found = await orUsageError(queryRollupHeader(node, rollupIdFromName(name), height));
      if (!found) throw new UsageError(`rollup ${name} has no header at ${height}`);
      print(found);
      return;
    }
    case "challenges": {
      const name = required(argument, "name: metro query challenges NAME");
      print(await orUsageError(queryChallenges(node, rollupIdFromName(name))));
      return;
    }
    case "proposals": {
      const q = await stakingQueries(node);
      print((await q.gov.proposals(0, "", "")).proposals);
      return;
    }
    case "proposal": {
      const q = await stakingQueries(node);
      const id = required(argument, "id: metro query proposal ID");
      const [proposal, tally] = await Promise.all([q.gov.proposal(id), q.gov.tally(id)]);
      print({ ...proposal.proposal, tally: tally.tally });
      return;
    }
    default:
      throw new UsageError(
        "usage: metro query balance ADDR | account ADDR | tx HASH | params | prices [PAIR] | rollup-data --height H --rollup NAME | block-rollups H | key KEY | validators | delegations ADDR | rewards ADDR | proposals | proposal ID | rollup NAME | header NAME HEIGHT | challenges NAME",
      );
  }
}
