/**
 * Metro txs: hostile txs of every message type and bundles of them, mostly validly signed over
 * mutated content, judged by the real MetroApp's CheckTx or, inside a proposed block, by its
 * ProcessProposal. Every hundred cases an honest proposer makes a block of what CheckTx took.
 */
import {
  CheckTxType,
  Response,
  type ResponseCheckTx,
  ResponseProcessProposal_ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import { commitmentTxFor } from "../../chain/app/block-layout.js";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import { decodeTx } from "../../chain/tx/decode.js";
import { moduleAddress, operatorAddress } from "../../core/address.js";
import { utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { ChaosChain } from "../chain.js";
import { requireClearMessage } from "../clear.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";
import {
  type Account,
  type BuildContext,
  buildTx,
  hostileTexts,
  type TxCase,
  txCaseArbitrary,
} from "./build.js";
import { type EncodedMessage, messageTemplates } from "./templates.js";

const SIGNERS = 10;
const BLOCK_EVERY = 100;

/** Refusals from the ante checks (fee, gas, sequence, signature, limits): the tx decoded, its messages were not run. */
const ANTE_CODES = new Set([
  "sdk/4",
  "sdk/9",
  "sdk/11",
  "sdk/12",
  "sdk/13",
  "sdk/18",
  "sdk/30",
  "sdk/32",
  "sdk/41",
  "sequencer/5",
  "sequencer/6",
  "sequencer/7",
]);

function depthOf(bytes: Uint8Array, code: number, codespace: string): Depth {
  try {
    decodeTx(bytes);
  } catch {
    return 0;
  }
  return code !== 0 && ANTE_CODES.has(`${codespace}/${code}`) ? 1 : 2;
}

/** The answer as CometBFT reads it: encoded and decoded, it must say the same. */
function requireWireSafe(response: ResponseCheckTx): void {
  const read = Response.decode(Response.encode({ checkTx: response }).finish()).checkTx;
  if (
    read?.code !== response.code ||
    read.log !== response.log ||
    read.gasWanted !== response.gasWanted ||
    read.gasUsed !== response.gasUsed
  ) {
    throw new CrashError(
      `the CheckTx answer does not survive its encoding (gas wanted ${response.gasWanted})`,
    );
  }
}

class TxTarget {
  private readonly accounts: Account[];
  private pending: Uint8Array[];
  private sinceBlock: number;
  readonly context: BuildContext;

  constructor(
    readonly chain: ChaosChain,
    readonly signers: OfflineSigner[],
    templates: EncodedMessage[][],
  ) {
    this.accounts = [];
    this.pending = [];
    this.sinceBlock = 0;
    this.context = {
      signers,
      templates: (signer) => templates[signer]!,
      account: (signer) => this.accounts[signer]!,
      chainId: DEVNET_CHAIN_ID,
    };
    this.resync();
  }

  private resync(): void {
    this.signers.forEach((signer, i) => {
      const account = this.chain.account(signer.address);
      if (!account) throw new CrashError(`test account ${signer.address} is gone`);
      this.accounts[i] = account;
    });
  }

  private signerIndex(bytes: Uint8Array): number {
    const address = decodeTx(bytes).signer.address;
    return this.signers.findIndex((signer) => signer.address === address);
  }

  async check(bytes: Uint8Array): Promise<Verdict> {
    let response: Awaited<ReturnType<ChaosChain["app"]["checkTx"]>>;
    try {
      response = await this.chain.app.checkTx({ tx: bytes, type: CheckTxType.NEW });
    } catch (error) {
      throw new CrashError(`CheckTx threw: ${(error as Error).message}`, { cause: error });
    }
    requireWireSafe(response);
    const depth = depthOf(bytes, response.code, response.codespace);
    if (response.code !== 0) {
      requireClearMessage(response.log, `CheckTx code ${response.codespace}/${response.code}`);
      return { accepted: false, depth };
    }
    this.pending.push(bytes);
    const signer = this.signerIndex(bytes);
    if (signer >= 0) this.accounts[signer]!.sequence += 1n;
    return { accepted: true, depth };
  }

  /** A malicious proposer's block holding the tx: ProcessProposal must judge it without throwing. */
  propose(bytes: Uint8Array): Verdict {
    const txs = [commitmentTxFor([]), bytes];
    let status: ResponseProcessProposal_ProposalStatus;
    try {
      status = this.chain.app.processProposal(this.chain.request(txs)).status;
    } catch (error) {
      throw new CrashError(`ProcessProposal threw: ${(error as Error).message}`, { cause: error });
    }
    const accepted = status === ResponseProcessProposal_ProposalStatus.ACCEPT;
    if (!accepted && status !== ResponseProcessProposal_ProposalStatus.REJECT) {
      throw new CrashError(`ProcessProposal answered status ${status}`);
    }
    let depth: Depth = 0;
    try {
      decodeTx(bytes);
      depth = 2;
    } catch {
      // refused at decoding
    }
    return { accepted, depth };
  }

  async run(tx: TxCase): Promise<Verdict> {
    const bytes = buildTx(tx, this.context);
    const verdict = tx.via === "check" ? await this.check(bytes) : this.propose(bytes);
    if (++this.sinceBlock >= BLOCK_EVERY) this.block();
    return verdict;
  }

  /** An honest proposer's block of every tx CheckTx accepted since the last one. */
  block(): void {
    this.chain.makeBlock(this.pending);
    this.pending = [];
    this.sinceBlock = 0;
    this.resync();
  }

  /** A fresh MsgSequence is accepted and lands in the next block. */
  async stillWorks(): Promise<void> {
    this.block();
    const signer = this.signers[0]!;
    const { accountNumber, sequence } = this.accounts[0]!;
    const tx = signer.signTx({
      messages: [sequenceMsg(signer.address, "after-chaos", utf8("still sequencing"))],
      fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "2001" }], gas: 1_000_000n },
      chainId: DEVNET_CHAIN_ID,
      accountNumber,
      sequence,
    });
    const checked = await this.chain.app.checkTx({ tx, type: CheckTxType.NEW });
    if (checked.code !== 0) throw new CrashError(`a valid tx was refused after the campaign: ${checked.log}`);
    const made = this.chain.makeBlock([tx]);
    if (
      !made.txs.some((included) => included.length === tx.length && included.every((b, i) => b === tx[i]))
    ) {
      throw new CrashError("the next block left a valid tx out");
    }
  }
}

export const txSurface = surface({
  name: "metro-txs",
  description:
    "TxRaw of every message type and bundles (field-mutated, validly signed; byte-mutated), CheckTx and ProcessProposal of the real MetroApp",
  deep: "decoded and past the ante checks: judged by a message handler, or accepted",
  async setup() {
    const chain = await ChaosChain.open();
    const signers = await Promise.all(
      Array.from({ length: SIGNERS }, (_, i) => OfflineSigner.fromMnemonic(TEST_MNEMONIC, i)),
    );
    const addresses = signers.map((signer) => signer.address);
    const templates = signers.map((signer, index) =>
      messageTemplates({ address: signer.address, other: addresses[(index + 1) % SIGNERS]!, index }),
    );
    chain.makeBlock([]);
    const target = new TxTarget(chain, signers, templates);
    const texts = hostileTexts([
      ...addresses,
      ...addresses.slice(0, 3).map(operatorAddress),
      moduleAddress("gov"),
      moduleAddress("fee_collector"),
      addresses[0]!.toUpperCase(),
    ]);
    return {
      arbitrary: txCaseArbitrary(templates[0]!.length, SIGNERS, texts),
      run: (tx: TxCase) => target.run(tx),
      stillWorks: () => target.stillWorks(),
      close: () => chain.close(),
    };
  },
});
