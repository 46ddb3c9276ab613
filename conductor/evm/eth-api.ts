/**
 * The Ethereum JSON-RPC methods viem, MetaMask and cast use, over the EVM chain. `latest`
 * and `safe` are the soft head (executed from gossip), `finalized` the firm head (seen on
 * Celestia). eth_sendRawTransaction hands the tx to the composer, which sequences it on Metro.
 */
import type { Block } from "@ethereumjs/block";
import { createTx, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import {
  bigIntToBytes,
  bytesToHex,
  createAddressFromString,
  hexToBytes,
  setLengthLeft,
} from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { z } from "zod";
import { fromHex } from "../../core/bytes.js";
import { encodeStateWitness } from "../../core/evm/index.js";
import { type ExecutedBlock, ExecutionError } from "../execution/api.js";
import { type EvmChain, effectiveGasPrice } from "./chain.js";
import { type Handler, INVALID_PARAMS, JsonRpcError } from "./json-rpc.js";
import { rawTxShapeProblem } from "./raw-tx.js";
import { prunedBlockMessage } from "./retention.js";
import type { StoredLog, StoredReceipt } from "./store.js";

export interface TxSubmitter {
  submit(raw: Uint8Array): Promise<void>;
}

const hexData = z.string().regex(/^0x([0-9a-fA-F]{2})*$/);
/** Every Ethereum quantity fits 256 bits; a longer one is refused here, not met by ethereumjs. */
const hexQuantity = z
  .string()
  .regex(/^0x[0-9a-fA-F]+$/)
  .refine((text) => text.replace(/^0x0*/, "").length <= 64, "quantity above 2^256 - 1");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const blockTag = z.union([z.enum(["latest", "pending", "safe", "finalized", "earliest"]), hexQuantity]);
const blockRef = z.union([blockTag, z.object({ blockHash: hash }), z.object({ blockNumber: hexQuantity })]);

const CallSchema = z.object({
  from: address.optional(),
  to: address.nullish(),
  gas: hexQuantity.optional(),
  gasPrice: hexQuantity.optional(),
  maxFeePerGas: hexQuantity.optional(),
  maxPriorityFeePerGas: hexQuantity.optional(),
  value: hexQuantity.optional(),
  data: hexData.optional(),
  input: hexData.optional(),
  nonce: hexQuantity.optional(),
});

const FilterSchema = z.object({
  fromBlock: blockTag.optional(),
  toBlock: blockTag.optional(),
  blockHash: hash.optional(),
  address: z.union([address, z.array(address)]).nullish(),
  topics: z.array(z.union([hash, z.array(hash), z.null()])).optional(),
});

const quantity = (value: bigint | number) => `0x${value.toString(16)}`;
const MAX_LOG_RANGE = 10_000n;
const MAX_FEE_HISTORY = 1024;
/** Suggested tip: small, because the sequencer, not a fee market, orders rollup txs. */
const SUGGESTED_TIP = 1_000_000n;
const EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";

export function ethHandlers(
  chain: EvmChain,
  submitter: TxSubmitter,
  clientVersion: string,
): Map<string, Handler> {
  const api = new EthApi(chain, submitter);
  const chainId = quantity(chain.info.chainId);
  return new Map<string, Handler>([
    ["eth_chainId", async () => chainId],
    ["net_version", async () => chain.info.chainId.toString()],
    ["web3_clientVersion", async () => clientVersion],
    ["eth_syncing", async () => false],
    ["eth_accounts", async () => []],
    ["eth_blockNumber", async () => quantity((await api.head("latest")).number)],
    [
      "eth_getBlockByNumber",
      ([tag, full]) => api.blockByNumber(blockTag.parse(tag), z.boolean().parse(full ?? false)),
    ],
    ["metro_fraudProof", ([ref]) => api.fraudProof(ref)],
    ["eth_getBlockByHash", ([id, full]) => api.blockByHash(hash.parse(id), z.boolean().parse(full ?? false))],
    ["eth_getBalance", async ([who, at]) => quantity((await api.account(address.parse(who), at)).balance)],
    ["eth_getTransactionCount", ([who, at]) => api.transactionCount(address.parse(who), at)],
    ["eth_getCode", async ([who, at]) => bytesToHex(await api.code(address.parse(who), at))],
    ["eth_getStorageAt", ([who, slot, at]) => api.storageAt(address.parse(who), hexQuantity.parse(slot), at)],
    ["eth_call", ([call, at]) => api.call(CallSchema.parse(call), at)],
    ["eth_estimateGas", ([call, at]) => api.estimateGas(CallSchema.parse(call), at)],
    ["eth_gasPrice", async () => quantity((await api.nextBaseFee()) + SUGGESTED_TIP)],
    ["eth_maxPriorityFeePerGas", async () => quantity(SUGGESTED_TIP)],
    [
      "eth_feeHistory",
      ([count, newest, percentiles]) => api.feeHistory(count, blockTag.parse(newest), percentiles),
    ],
    ["eth_sendRawTransaction", ([raw]) => api.sendRawTransaction(hexData.parse(raw))],
    ["eth_getTransactionByHash", ([id]) => api.transactionByHash(hash.parse(id))],
    ["eth_getTransactionReceipt", ([id]) => api.receiptByHash(hash.parse(id))],
    ["eth_getLogs", ([filter]) => api.logs(FilterSchema.parse(filter))],
  ]);
}

interface Located {
  block: Block;
  meta: ExecutedBlock;
}

class EthApi {
  /** Nonces of txs sent but not yet executed, so "pending" counts them. */
  private readonly pendingNonces = new Map<string, { nonce: bigint; at: number }>();

  constructor(
    private readonly chain: EvmChain,
    private readonly submitter: TxSubmitter,
  ) {}

  async head(tag: "latest" | "pending" | "safe" | "finalized"): Promise<ExecutedBlock> {
    const state = await this.chain.getCommitmentState();
    return tag === "finalized" ? state.firm : state.soft;
  }

  private async locate(ref: unknown): Promise<Located | undefined> {
    const parsed = blockRef.parse(ref ?? "latest");
    let id: Uint8Array | undefined;
    if (typeof parsed === "object" && "blockHash" in parsed)
      id = hexToBytes(parsed.blockHash as `0x${string}`);
    else {
      const tag = typeof parsed === "object" ? parsed.blockNumber : parsed;
      // With retention on, the earliest block is the oldest one kept.
      if (tag === "earliest") id = this.chain.store.canonicalHash(this.chain.store.prunedBelow);
      else if (tag.startsWith("0x")) id = this.chain.store.canonicalHash(this.unpruned(BigInt(tag)));
      else id = (await this.head(tag as "latest")).hash;
    }
    return id ? this.chain.ethBlock(id) : undefined;
  }

  /** `number`, unless this node no longer holds it: then a clear error, not "not found". */
  private unpruned(number: bigint): bigint {
    const lowest = this.chain.store.prunedBelow;
    if (number < lowest) throw new JsonRpcError(-32000, prunedBlockMessage(number, lowest));
    return number;
  }

  private async requireBlock(ref: unknown): Promise<Located> {
    const found = await this.locate(ref);
    if (!found) throw new JsonRpcError(-32000, `block ${JSON.stringify(ref)} not found`);
    return found;
  }

  /** metro_fraudProof(block): the parent header and pre-state witness a challenge of that block sends. */
  async fraudProof(ref: unknown): Promise<{ blockHash: string; parentHeader: string; witness: string }> {
    const located = await this.locate(ref);
    if (!located) throw new JsonRpcError(-32000, `block ${JSON.stringify(ref)} not found`);
    let proof: Awaited<ReturnType<EvmChain["fraudProof"]>>;
    try {
      proof = await this.chain.fraudProof(located.meta.hash);
    } catch (error) {
      // Genesis has no parent, and a block whose inputs are gone cannot be proven: say so.
      if (error instanceof ExecutionError && error.code !== "internal")
        throw new JsonRpcError(-32000, error.message);
      throw error;
    }
    const { parentHeader, witness } = proof;
    return {
      blockHash: bytesToHex(located.meta.hash),
      parentHeader: bytesToHex(parentHeader),
      witness: bytesToHex(encodeStateWitness(witness)),
    };
  }

  async blockByNumber(tag: string, full: boolean) {
    const found = await this.locate(tag);
    return found ? this.blockJson(found, full) : null;
  }

  async blockByHash(id: string, full: boolean) {
    const found = this.chain.ethBlock(hexToBytes(id as `0x${string}`));
    if (!found) return null;
    const canonical = this.chain.store.canonicalHash(found.meta.number);
    return canonical && bytesToHex(canonical) === id.toLowerCase() ? this.blockJson(found, full) : null;
  }

  private async state(ref: unknown): Promise<VM> {
    return this.chain.vmAt((await this.requireBlock(ref)).meta.hash);
  }

  async account(who: string, ref: unknown) {
    const vm = await this.state(ref);
    const account = await vm.stateManager.getAccount(createAddressFromString(who));
    return { balance: account?.balance ?? 0n, nonce: account?.nonce ?? 0n };
  }

  async transactionCount(who: string, ref: unknown): Promise<string> {
    const { nonce } = await this.account(who, ref === "pending" ? "latest" : ref);
    const pending = this.pendingNonces.get(who.toLowerCase());
    if (ref === "pending" && pending && pending.nonce >= nonce && Date.now() - pending.at < 60_000) {
      return quantity(pending.nonce + 1n);
    }
    return quantity(nonce);
  }

  async code(who: string, ref: unknown): Promise<Uint8Array> {
    return (await this.state(ref)).stateManager.getCode(createAddressFromString(who));
  }

  async storageAt(who: string, slot: string, ref: unknown): Promise<string> {
    const vm = await this.state(ref);
    const key = setLengthLeft(bigIntToBytes(BigInt(slot)), 32);
    const value = await vm.stateManager.getStorage(createAddressFromString(who), key);
    return bytesToHex(setLengthLeft(value, 32));
  }

  private async runCall(vm: VM, block: Block, call: z.infer<typeof CallSchema>, gasLimit: bigint) {
    await vm.stateManager.checkpoint();
    try {
      return await vm.evm.runCall({
        caller: createAddressFromString(call.from ?? "0x0000000000000000000000000000000000000000"),
        origin: createAddressFromString(call.from ?? "0x0000000000000000000000000000000000000000"),
        ...(call.to ? { to: createAddressFromString(call.to) } : {}),
        data: hexToBytes((call.input ?? call.data ?? "0x") as `0x${string}`),
        value: BigInt(call.value ?? 0),
        gasLimit,
        block,
        skipBalance: true,
      });
    } finally {
      await vm.stateManager.revert();
    }
  }

  async call(call: z.infer<typeof CallSchema>, ref: unknown): Promise<string> {
    const { block, meta } = await this.requireBlock(ref);
    const vm = await this.chain.vmAt(meta.hash);
    const result = await this.runCall(vm, block, call, BigInt(call.gas ?? block.header.gasLimit));
    const error = result.execResult.exceptionError;
    if (error) throw executionFailure(error.error, result.execResult.returnValue);
    return bytesToHex(result.execResult.returnValue);
  }

  /** The least gas limit that succeeds: intrinsic gas plus a binary search over execution gas. */
  async estimateGas(call: z.infer<typeof CallSchema>, ref: unknown): Promise<string> {
    const { block, meta } = await this.requireBlock(ref ?? "latest");
    const vm = await this.chain.vmAt(meta.hash);
    const data = hexToBytes((call.input ?? call.data ?? "0x") as `0x${string}`);
    const intrinsic = intrinsicGas(vm, data, call.to);
    const cap = BigInt(call.gas ?? block.header.gasLimit) - intrinsic;
    const first = await this.runCall(vm, block, call, cap);
    if (first.execResult.exceptionError) {
      throw executionFailure(first.execResult.exceptionError.error, first.execResult.returnValue);
    }
    let low = first.execResult.executionGasUsed;
    let high = cap;
    while (low + 1n < high) {
      const middle = (low + high) / 2n;
      const attempt = await this.runCall(vm, block, call, middle);
      if (attempt.execResult.exceptionError) low = middle;
      else high = middle;
    }
    const works = await this.runCall(vm, block, call, low);
    return quantity(intrinsic + (works.execResult.exceptionError ? high : low));
  }

  async nextBaseFee(): Promise<bigint> {
    return (await this.requireBlock("latest")).block.header.calcNextBaseFee();
  }

  async feeHistory(countParam: unknown, newest: string, percentilesParam: unknown) {
    const count = Number(BigInt(z.union([hexQuantity, z.number().int()]).parse(countParam)));
    const percentiles = z.array(z.number().min(0).max(100)).optional().parse(percentilesParam) ?? [];
    if (count < 1 || count > MAX_FEE_HISTORY)
      throw new JsonRpcError(INVALID_PARAMS, `block count must be 1 to ${MAX_FEE_HISTORY}`);
    const last = await this.requireBlock(newest);
    const blocks: Located[] = [];
    const lowest = this.chain.store.prunedBelow;
    for (let number = last.meta.number; number >= lowest && blocks.length < count; number--) {
      const hash = this.chain.store.canonicalHash(number);
      const found = hash ? this.chain.ethBlock(hash) : undefined;
      if (found) blocks.unshift(found);
    }
    const baseFees = blocks.map(({ block }) => block.header.baseFeePerGas ?? 0n);
    baseFees.push(last.block.header.calcNextBaseFee());
    return {
      oldestBlock: quantity(blocks[0]?.meta.number ?? 0n),
      baseFeePerGas: baseFees.map(quantity),
      gasUsedRatio: blocks.map(({ block }) => Number(block.header.gasUsed) / Number(block.header.gasLimit)),
      ...(percentiles.length > 0 ? { reward: blocks.map((found) => this.rewards(found, percentiles)) } : {}),
    };
  }

  private rewards({ block, meta }: Located, percentiles: readonly number[]): string[] {
    const baseFee = block.header.baseFeePerGas ?? 0n;
    const receipts = this.chain.store.receipts(meta.hash);
    const tips = receipts
      .map((receipt) => ({ tip: BigInt(receipt.effectiveGasPrice) - baseFee, gas: BigInt(receipt.gasUsed) }))
      .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
    const totalGas = tips.reduce((sum, entry) => sum + entry.gas, 0n);
    return percentiles.map((percentile) => {
      if (tips.length === 0) return quantity(0n);
      const threshold = (Number(totalGas) * percentile) / 100;
      let cumulative = 0;
      for (const entry of tips) {
        cumulative += Number(entry.gas);
        if (cumulative >= threshold) return quantity(entry.tip);
      }
      return quantity(tips[tips.length - 1]!.tip);
    });
  }

  async sendRawTransaction(raw: string): Promise<string> {
    const bytes = hexToBytes(raw as `0x${string}`);
    const shapeProblem = rawTxShapeProblem(bytes);
    if (shapeProblem) throw new JsonRpcError(-32000, `invalid transaction: ${shapeProblem}`);
    let tx: TypedTransaction;
    try {
      tx = createTxFromRLP(bytes, { common: this.chain.common });
    } catch (error) {
      throw new JsonRpcError(-32000, `invalid transaction: ${(error as Error).message}`);
    }
    if (!tx.isSigned() || !tx.verifySignature())
      throw new JsonRpcError(-32000, "invalid transaction signature");
    if (tx.type === 3) throw new JsonRpcError(-32000, "blob transactions are not supported on Metro rollups");
    try {
      await this.submitter.submit(bytes);
    } catch (error) {
      throw new JsonRpcError(-32000, (error as Error).message);
    }
    const sender = tx.getSenderAddress().toString();
    const known = this.pendingNonces.get(sender);
    if (!known || tx.nonce > known.nonce || Date.now() - known.at > 60_000) {
      this.pendingNonces.set(sender, { nonce: tx.nonce, at: Date.now() });
    }
    return bytesToHex(tx.hash());
  }

  private locateTx(id: string): { found: Located; index: number } | undefined {
    const location = this.chain.store.txLocation(id);
    if (!location) return undefined;
    const found = this.chain.ethBlock(fromHex(location.blockHash));
    if (!found) return undefined;
    const canonical = this.chain.store.canonicalHash(found.meta.number);
    if (!canonical || bytesToHex(canonical) !== bytesToHex(found.meta.hash)) return undefined;
    return { found, index: location.index };
  }

  async transactionByHash(id: string) {
    const located = this.locateTx(id);
    if (!located) return null;
    const { found, index } = located;
    return txJson(found, found.block.transactions[index]!, index);
  }

  async receiptByHash(id: string) {
    const located = this.locateTx(id);
    if (!located) return null;
    const { found, index } = located;
    const receipts = this.chain.store.receipts(found.meta.hash);
    return receiptJson(found, receipts, index);
  }

  async logs(filter: z.infer<typeof FilterSchema>) {
    const addresses = filter.address ? [filter.address].flat().map((a) => a.toLowerCase()) : undefined;
    const blocks: Located[] = [];
    if (filter.blockHash) {
      const found = this.chain.ethBlock(hexToBytes(filter.blockHash as `0x${string}`));
      if (!found) throw new JsonRpcError(-32000, `block ${filter.blockHash} not found`);
      blocks.push(found);
    } else {
      const from = (await this.requireBlock(filter.fromBlock ?? "latest")).meta.number;
      const to = (await this.requireBlock(filter.toBlock ?? "latest")).meta.number;
      if (to - from > MAX_LOG_RANGE)
        throw new JsonRpcError(-32005, `query spans more than ${MAX_LOG_RANGE} blocks`);
      for (let number = from; number <= to; number++) {
        const hash = this.chain.store.canonicalHash(number);
        const found = hash ? this.chain.ethBlock(hash) : undefined;
        if (found) blocks.push(found);
      }
    }
    const matches: ReturnType<typeof logJson>[] = [];
    for (const found of blocks) {
      const receipts = this.chain.store.receipts(found.meta.hash);
      let logIndex = 0;
      receipts.forEach((receipt, txIndex) => {
        for (const log of receipt.logs) {
          if (logMatches(log, addresses, filter.topics))
            matches.push(logJson(found, receipt, txIndex, log, logIndex));
          logIndex++;
        }
      });
    }
    return matches;
  }

  private blockJson({ block, meta }: Located, full: boolean) {
    const header = block.header;
    return {
      number: quantity(header.number),
      hash: bytesToHex(meta.hash),
      parentHash: bytesToHex(header.parentHash),
      nonce: bytesToHex(header.nonce),
      sha3Uncles: EMPTY_UNCLES,
      logsBloom: bytesToHex(header.logsBloom),
      transactionsRoot: bytesToHex(header.transactionsTrie),
      stateRoot: bytesToHex(header.stateRoot),
      receiptsRoot: bytesToHex(header.receiptTrie),
      miner: header.coinbase.toString(),
      difficulty: "0x0",
      totalDifficulty: "0x0",
      extraData: bytesToHex(header.extraData),
      size: quantity(block.serialize().length),
      gasLimit: quantity(header.gasLimit),
      gasUsed: quantity(header.gasUsed),
      timestamp: quantity(header.timestamp),
      mixHash: bytesToHex(header.mixHash),
      baseFeePerGas: quantity(header.baseFeePerGas ?? 0n),
      withdrawalsRoot: bytesToHex(header.withdrawalsRoot ?? new Uint8Array(32)),
      withdrawals: [],
      blobGasUsed: quantity(header.blobGasUsed ?? 0n),
      excessBlobGas: quantity(header.excessBlobGas ?? 0n),
      parentBeaconBlockRoot: bytesToHex(header.parentBeaconBlockRoot ?? new Uint8Array(32)),
      uncles: [],
      transactions: block.transactions.map((tx, index) =>
        full ? txJson({ block, meta }, tx, index) : bytesToHex(tx.hash()),
      ),
    };
  }
}

function executionFailure(error: string, returned: Uint8Array): JsonRpcError {
  if (error === "revert") return new JsonRpcError(3, "execution reverted", bytesToHex(returned));
  return new JsonRpcError(-32000, `execution failed: ${error}`);
}

/** Gas charged before execution (base, calldata, creation, init code), as the tx library counts it. */
function intrinsicGas(vm: VM, data: Uint8Array, to: string | null | undefined): bigint {
  const tx = createTx({ type: 2, data, ...(to ? { to: to as `0x${string}` } : {}) }, { common: vm.common });
  return tx.getIntrinsicGas();
}

function txJson({ block, meta }: Located, tx: TypedTransaction, index: number) {
  const json = tx.toJSON();
  const baseFee = block.header.baseFeePerGas ?? 0n;
  return {
    ...json,
    hash: bytesToHex(tx.hash()),
    from: tx.getSenderAddress().toString(),
    to: tx.to?.toString() ?? null,
    input: json.data,
    type: quantity(tx.type),
    gas: json.gasLimit,
    gasPrice: quantity(effectiveGasPrice(tx, baseFee)),
    blockHash: bytesToHex(meta.hash),
    blockNumber: quantity(meta.number),
    transactionIndex: quantity(index),
    ...(json.v !== undefined && tx.type !== 0 ? { yParity: json.v } : {}),
  };
}

function receiptJson({ meta }: Located, receipts: readonly StoredReceipt[], index: number) {
  const receipt = receipts[index]!;
  let firstLog = 0;
  for (let i = 0; i < index; i++) firstLog += receipts[i]!.logs.length;
  return {
    transactionHash: receipt.transactionHash,
    transactionIndex: quantity(index),
    blockHash: bytesToHex(meta.hash),
    blockNumber: quantity(meta.number),
    from: receipt.from,
    to: receipt.to,
    cumulativeGasUsed: quantity(BigInt(receipt.cumulativeGasUsed)),
    gasUsed: quantity(BigInt(receipt.gasUsed)),
    effectiveGasPrice: quantity(BigInt(receipt.effectiveGasPrice)),
    contractAddress: receipt.contractAddress,
    logs: receipt.logs.map((log, i) => logJson({ meta }, receipt, index, log, firstLog + i)),
    logsBloom: receipt.logsBloom,
    status: quantity(receipt.status),
    type: quantity(receipt.type),
  };
}

function logJson(
  { meta }: Pick<Located, "meta">,
  receipt: StoredReceipt,
  txIndex: number,
  log: StoredLog,
  logIndex: number,
) {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: quantity(meta.number),
    blockHash: bytesToHex(meta.hash),
    transactionHash: receipt.transactionHash,
    transactionIndex: quantity(txIndex),
    logIndex: quantity(logIndex),
    removed: false,
  };
}

function logMatches(
  log: StoredLog,
  addresses: readonly string[] | undefined,
  topics: z.infer<typeof FilterSchema>["topics"],
): boolean {
  if (addresses && !addresses.includes(log.address.toLowerCase())) return false;
  return (topics ?? []).every((wanted, i) => {
    if (wanted === null) return true;
    const topic = log.topics[i]?.toLowerCase();
    return topic !== undefined && [wanted].flat().some((option) => option.toLowerCase() === topic);
  });
}
