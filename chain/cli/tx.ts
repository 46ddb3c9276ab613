import type { Coin } from "@cosmjs/stargate";
import { fromHex, utf8 } from "../../core/bytes.js";
import { parse, required, UsageError } from "../../core/cli-args.js";
import { DEFAULT_LST_DECIMALS, DEFAULT_LST_DENOM } from "../../core/denom.js";
import { resolveSigner } from "../client/keyring.js";
import { connectSigner, sequenceMsg } from "../client/signing.js";
import { STAKING_ACTIONS } from "./tx-staking.js";

/** "250" (base units of the LST), "1.5stTIA", or "<integer><denom>". */
export function parseAmount(text: string): Coin {
  if (/^\d+$/.test(text)) return { denom: DEFAULT_LST_DENOM, amount: text };
  const display = /^(\d+)(?:\.(\d{1,6}))?sttia$/i.exec(text);
  if (display) {
    const fraction = (display[2] ?? "").padEnd(DEFAULT_LST_DECIMALS, "0");
    return {
      denom: DEFAULT_LST_DENOM,
      amount: (BigInt(display[1]!) * 10n ** 6n + BigInt(fraction)).toString(),
    };
  }
  const raw = /^(\d+)([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(text);
  if (raw) return { denom: raw[2]!, amount: raw[1]! };
  throw new UsageError(`cannot read amount "${text}": use 250, 1.5stTIA or 250<denom>`);
}

/** "name=text" or "name=0xHEX": one rollup transaction for the rollup called name. */
function parseRollupArg(text: string): { rollup: string; data: Uint8Array } {
  const split = text.indexOf("=");
  if (split <= 0) throw new UsageError(`--rollup takes NAME=DATA, got "${text}"`);
  const data = text.slice(split + 1);
  return { rollup: text.slice(0, split), data: data.startsWith("0x") ? fromHex(data.slice(2)) : utf8(data) };
}

function usage(): UsageError {
  const more = Object.values(STAKING_ACTIONS).map((a) => `metro tx ${a.usage}`);
  return new UsageError(
    ["usage: metro tx send TO AMOUNT", "metro tx sequence --rollup NAME=DATA [...]", ...more].join("\n  "),
  );
}

export async function txCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    from: { type: "string" },
    node: { type: "string" },
    "keyring-dir": { type: "string" },
    rollup: { type: "string", multiple: true },
    memo: { type: "string" },
    home: { type: "string" },
    amount: { type: "string" },
    moniker: { type: "string" },
    commission: { type: "string" },
    title: { type: "string" },
    summary: { type: "string" },
    deposit: { type: "string" },
    "halt-height": { type: "string" },
    slash: { type: "string" },
    "add-pair": { type: "string" },
    messages: { type: "string" },
    quorum: { type: "string" },
    window: { type: "string" },
    kind: { type: "string" },
    genesis: { type: "string" },
    "evm-rpc": { type: "string" },
    bond: { type: "string" },
  });
  const [action, ...rest] = positionals;
  // Before connecting: a mistyped action is the user's to fix, whether or not a node is up.
  if (action !== "send" && action !== "sequence" && !(action && STAKING_ACTIONS[action])) throw usage();
  const signerRef = resolveSigner(values.from, values["keyring-dir"]);
  const node = values.node ?? "http://127.0.0.1:26657";
  const { client, address } = await connectSigner(node, signerRef.mnemonic, signerRef.index);
  try {
    let messages: { typeUrl: string; value: unknown }[];
    if (action === "send") {
      const to = required(rest[0], "recipient: metro tx send TO AMOUNT");
      const amount = parseAmount(required(rest[1], "amount: metro tx send TO AMOUNT"));
      messages = [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: address, toAddress: to, amount: [amount] },
        },
      ];
    } else if (action === "sequence") {
      const rollups = (values.rollup ?? []).map(parseRollupArg);
      if (rollups.length === 0)
        throw new UsageError("metro tx sequence needs at least one --rollup NAME=DATA");
      messages = rollups.map(({ rollup, data }) => sequenceMsg(address, rollup, data));
    } else if (action && STAKING_ACTIONS[action]) {
      messages = await STAKING_ACTIONS[action].build({
        address,
        node,
        args: rest,
        options: values,
        parseAmount,
      });
    } else {
      throw usage();
    }
    const result = await client.signAndBroadcast(address, messages, "auto", values.memo ?? "");
    console.log(
      JSON.stringify(
        {
          code: result.code,
          height: result.height,
          txhash: result.transactionHash,
          gasUsed: String(result.gasUsed),
          rawLog: result.rawLog,
        },
        null,
        2,
      ),
    );
    if (result.code !== 0) process.exitCode = 1;
  } finally {
    client.disconnect();
  }
}
