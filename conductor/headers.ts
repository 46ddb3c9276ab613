/**
 * A committee member's side of optimistic rollup headers. For each rollup block the conductor
 * makes firm, the member builds the header {rollup id, height, parent header hash, Metro
 * height, DA height, data root, state root, EVM block hash}, signs its hash with its validator's BLS key and
 * gossips the signature to the committee. The aggregator (a member chosen in its config)
 * collects them, and once the signers hold the quorum of committee stake, submits
 * MsgSubmitRollupHeader to Metro, headers in order, several per tx when they are ready together.
 * Several members may aggregate: the others back the first up (myTurn). A member seen signing
 * two headers for one height is reported (MsgSubmitEquivocation).
 */
import { existsSync, readFileSync } from "node:fs";
import { type Message, TopicValidatorResult } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import { z } from "zod";
import {
  MetroTxSender,
  OfflineSigner,
  queryRollup,
  queryRollupHeader,
  queryValidatorRecord,
} from "../chain/index.js";
import { writeFileAtomic } from "../core/atomic-file.js";
import { blsAggregateSignatures, blsFastAggregateVerify, blsSign } from "../core/bls.js";
import { bytesEqual, fromHex, toHex } from "../core/bytes.js";
import { parseUnitFraction } from "../core/decimal.js";
import { assertFaultInjectionAllowed } from "../core/fault-injection.js";
import type { Logger } from "../core/log.js";
import {
  type HeaderSignature,
  HeaderSignatureCodec,
  MsgSubmitEquivocationCodec,
  MsgSubmitRollupHeaderCodec,
} from "../core/proto/rollup.js";
import { rollupIdFromName } from "../core/rollup.js";
import {
  meetsQuorum,
  type RollupHeader,
  RollupHeaderCodec,
  rollupHeaderHash,
  signerBitmap,
} from "../core/rollup-header.js";
import { type GossipNode, startGossipNode } from "../relayer/index.js";
import type { GossipConfig } from "./config.js";
import { type Equivocation, EquivocationWatch } from "./equivocation.js";
import type { ExecutedBlock } from "./execution/api.js";
import { type SignerMisbehaviour, withWrongStateRoot } from "./misbehaviour.js";

const MAX_SIGNATURE_BYTES = 4096;
/** Headers kept in memory and on disk for parent hashes and late signatures. */
const KEEP_HEADERS = 256;
/** Header submissions are BLS checks on every validator: this many per Metro tx at most. */
const MAX_HEADERS_PER_TX = 20;
const COMMITTEE_REFRESH_MS = 10_000;
/** Per place in committee order, how long a backup aggregator leaves a ready header to the others. */
const BACKUP_DELAY_MS = 8_000;

export function headerTopic(chainId: string, rollupId: Uint8Array): string {
  return `/metro/${chainId}/rollup-headers/${toHex(rollupId)}/1`;
}

export class HeaderSignerError extends Error {
  override name = "HeaderSignerError";
}

export interface HeaderSignerOptions {
  metroRpc: string;
  metroChainId: string;
  rollupName: string;
  /** This member's validator: operator address and BLS secret key. */
  operator: string;
  blsSecretKey: Uint8Array;
  /** Set on the member that submits: the Metro account that pays for submissions. */
  aggregator?: { mnemonic: string; accountIndex: number };
  gossip: GossipConfig;
  /** Where the last built headers are kept across restarts. */
  statePath: string;
  log: Logger;
  /** Tests only, and refused off a devnet chain: what this member does wrong on purpose. */
  misbehaviour?: SignerMisbehaviour;
}

interface Member {
  operator: string;
  blsPubkey: Uint8Array;
  /** Zero when jailed: its signature then counts for nothing, as on chain. */
  stake: bigint;
}

interface Collected {
  header: RollupHeader;
  hash: Uint8Array;
  signatures: Map<number, Uint8Array>;
  /** When this member first saw the header at quorum and next in line for Metro. */
  readySince?: number;
}

const StateSchema = z.object({ headers: z.array(z.string().regex(/^[0-9a-f]*$/)) });

export class HeaderSigner {
  readonly stats = { signed: 0, received: 0, rejected: 0, submitted: 0 };
  private readonly rollupId: Uint8Array;
  /** Built headers by rollup height (this member's view). */
  private readonly built = new Map<bigint, RollupHeader>();
  private readonly collected = new Map<string, Collected>();
  private readonly equivocations = new EquivocationWatch();
  /** Equivocations the aggregator has yet to report to Metro. */
  private evidence: Equivocation[] = [];
  private committee: Member[] = [];
  private myIndex = -1;
  private quorum = parseUnitFraction("1");
  /** Set on an aggregator: the Metro account its submissions are paid from. */
  private submitter: MetroTxSender | undefined;
  private submitting = false;
  private timer: NodeJS.Timeout | undefined;
  private committeeReadAt = 0;

  private constructor(
    private readonly options: HeaderSignerOptions,
    private readonly node: GossipNode,
  ) {
    this.rollupId = rollupIdFromName(options.rollupName);
    this.restore();
  }

  static async start(options: HeaderSignerOptions): Promise<HeaderSigner> {
    const lies = options.misbehaviour ? ["header signer misbehaviour"] : [];
    assertFaultInjectionAllowed(options.metroChainId, lies, options.log);
    const topic = headerTopic(options.metroChainId, rollupIdFromName(options.rollupName));
    const node = await startGossipNode({
      topic,
      maxMessageBytes: MAX_SIGNATURE_BYTES,
      port: options.gossip.port,
      host: options.gossip.host,
      announce: options.gossip.announce,
    });
    const signer = new HeaderSigner(options, node);
    await signer.refreshCommittee();
    node.services.pubsub.topicValidators.set(topic, (peer, message) => signer.validate(peer, message));
    node.services.pubsub.subscribe(topic);
    for (const peer of options.gossip.peers) {
      await node
        .dial(multiaddr(peer))
        .catch((error: Error) => options.log.warn({ peer, err: error }, "could not dial header peer"));
    }
    if (options.aggregator) {
      const account = await OfflineSigner.fromMnemonic(
        options.aggregator.mnemonic,
        options.aggregator.accountIndex,
      );
      signer.submitter = await MetroTxSender.start(options.metroRpc, account);
      signer.timer = setInterval(() => void signer.submitReady(), 500);
    }
    return signer;
  }

  addresses(): string[] {
    return this.node.getMultiaddrs().map((address) => address.toString());
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.node.stop();
  }

  /** Reads the committee, its keys and stake from Metro (they change with joins and slashing). */
  async refreshCommittee(): Promise<void> {
    const found = await queryRollup(this.options.metroRpc, this.rollupId);
    if (!found?.rollup)
      throw new HeaderSignerError(`rollup ${this.options.rollupName} is not registered on Metro`);
    this.quorum = parseUnitFraction(found.rollup.quorum);
    this.committee = await Promise.all(
      found.rollup.committee.map(async (operator) => {
        const record = await queryValidatorRecord(this.options.metroRpc, operator);
        const stake = record && !record.jailed ? BigInt(record.tokens) : 0n;
        return { operator, blsPubkey: record?.blsPubkey ?? new Uint8Array(), stake };
      }),
    );
    this.committeeReadAt = Date.now();
    this.myIndex = this.committee.findIndex((member) => member.operator === this.options.operator);
    if (this.myIndex < 0) {
      throw new HeaderSignerError(
        `${this.options.operator} is not in ${this.options.rollupName}'s committee`,
      );
    }
  }

  /** The conductor made these blocks firm (in order) at `daHeight`: sign their headers. */
  async onFirm(blocks: readonly ExecutedBlock[], daHeight: bigint): Promise<void> {
    for (const block of blocks) {
      const parent = block.number === 1n ? new Uint8Array(32) : await this.parentHash(block.number - 1n);
      if (!parent) {
        this.options.log.warn({ rollupHeight: block.number.toString() }, "no parent header: not signing");
        continue;
      }
      const honest: RollupHeader = {
        rollupId: this.rollupId,
        rollupHeight: block.number,
        parentHash: parent,
        metroHeight: block.sequencerHeight,
        daHeight,
        dataRoot: block.dataHash,
        stateRoot: block.stateRoot,
        blockHash: block.hash,
      };
      const lie = this.options.misbehaviour;
      const header = lie?.wrongStateRootAt === block.number ? withWrongStateRoot(honest) : honest;
      this.remember(header);
      await this.signAndGossip(header);
      if (lie?.equivocateAt === block.number) await this.signAndGossip(withWrongStateRoot(header));
    }
    this.save();
  }

  private async signAndGossip(header: RollupHeader): Promise<void> {
    const signature = blsSign(this.options.blsSecretKey, rollupHeaderHash(header));
    this.collect(header, this.myIndex, signature);
    this.stats.signed++;
    const message = HeaderSignatureCodec.encode({ header, member: this.myIndex, signature });
    await this.node.services.pubsub
      .publish(headerTopic(this.options.metroChainId, this.rollupId), message)
      .catch((error: Error) => this.options.log.warn({ err: error }, "could not gossip a header signature"));
  }

  private newestBuilt(): bigint {
    let newest = 0n;
    for (const height of this.built.keys()) if (height > newest) newest = height;
    return newest;
  }

  /** The parent's hash: from this member's own headers, else from the header Metro holds. */
  private async parentHash(height: bigint): Promise<Uint8Array | undefined> {
    const header = this.built.get(height);
    if (header) return rollupHeaderHash(header);
    const onChain = await queryRollupHeader(this.options.metroRpc, this.rollupId, height).catch(
      () => undefined,
    );
    return onChain?.header ? onChain.hash : undefined;
  }

  private remember(header: RollupHeader): void {
    this.built.set(header.rollupHeight, header);
    for (const height of this.built.keys()) {
      if (height <= header.rollupHeight - BigInt(KEEP_HEADERS)) this.built.delete(height);
    }
  }

  private validate(peer: PeerId, message: Message): TopicValidatorResult {
    const reject = (reason: string) => {
      this.stats.rejected++;
      this.options.log.warn({ peer: peer.toString(), reason }, "rejected a header signature");
      return TopicValidatorResult.Reject;
    };
    let signed: HeaderSignature;
    try {
      signed = HeaderSignatureCodec.decode(message.data);
    } catch (error) {
      return reject(`undecodable: ${(error as Error).message}`);
    }
    const member = this.committee[signed.member];
    if (!signed.header || !bytesEqual(signed.header.rollupId, this.rollupId))
      return reject("not this rollup's header");
    if (!member) return reject(`member ${signed.member} is not in the committee`);
    if (!blsFastAggregateVerify(signed.signature, rollupHeaderHash(signed.header), [member.blsPubkey])) {
      return reject(`member ${signed.member}'s signature does not verify`);
    }
    this.stats.received++;
    this.collect(signed.header, signed.member, signed.signature);
    return TopicValidatorResult.Accept;
  }

  private collect(header: RollupHeader, member: number, signature: Uint8Array): void {
    const newest = this.newestBuilt();
    // Only heights near this member's own: anything else cannot be submitted soon, and a peer
    // must not be able to fill memory with signatures for far-off heights.
    if (
      header.rollupHeight + BigInt(KEEP_HEADERS) < newest ||
      header.rollupHeight > newest + BigInt(KEEP_HEADERS)
    ) {
      return;
    }
    for (const [id, entry] of this.collected) {
      if (entry.header.rollupHeight + BigInt(KEEP_HEADERS) < newest) this.collected.delete(id);
    }
    const equivocation = this.equivocations.observe(header, member, signature, this.committee.length);
    if (equivocation) {
      this.options.log.warn(
        { member, operator: this.committee[member]?.operator, rollupHeight: header.rollupHeight.toString() },
        "a committee member signed two headers for one height",
      );
      if (this.submitter) this.evidence.push(equivocation);
    }
    const hash = rollupHeaderHash(header);
    const id = toHex(hash);
    let entry = this.collected.get(id);
    if (!entry) {
      entry = { header, hash, signatures: new Map() };
      this.collected.set(id, entry);
    }
    entry.signatures.set(member, signature);
  }

  /** Members whose signature counts: in the committee and not jailed (the chain refuses the rest). */
  private countedSigners(entry: Collected): number[] {
    return [...entry.signatures.keys()]
      .filter((index) => (this.committee[index]?.stake ?? 0n) > 0n)
      .sort((a, b) => a - b);
  }

  private hasQuorum(entry: Collected): boolean {
    const total = this.committee.reduce((sum, member) => sum + member.stake, 0n);
    const signed = this.countedSigners(entry).reduce((sum, index) => sum + this.committee[index]!.stake, 0n);
    return meetsQuorum(signed, total, this.quorum);
  }

  /** The aggregator's loop: submits the next headers whose signers reached the quorum. */
  private async submitReady(): Promise<void> {
    if (this.submitting || !this.submitter) return;
    this.submitting = true;
    try {
      // Joins, slashing and jailing change who counts; a few seconds late is harmless.
      if (Date.now() - this.committeeReadAt > COMMITTEE_REFRESH_MS) await this.refreshCommittee();
      await this.reportEquivocations();
      const onChain = (await queryRollup(this.options.metroRpc, this.rollupId))?.latestHeight ?? 0n;
      for (const [id, entry] of this.collected)
        if (entry.header.rollupHeight <= onChain) this.collected.delete(id);
      this.equivocations.forgetBelow(onChain - BigInt(KEEP_HEADERS));
      const ready: Collected[] = [];
      for (let height = onChain + 1n; ready.length < MAX_HEADERS_PER_TX; height++) {
        const mine = this.built.get(height);
        const entry = mine ? this.collected.get(toHex(rollupHeaderHash(mine))) : undefined;
        if (!entry || !this.hasQuorum(entry)) break;
        entry.readySince ??= Date.now();
        ready.push(entry);
      }
      if (ready.length > 0 && this.myTurn(ready[0]!)) await this.submit(ready);
    } catch (error) {
      this.options.log.warn({ err: error }, "header submission failed; retrying");
    } finally {
      this.submitting = false;
    }
  }

  /**
   * Aggregators back each other up in committee order: member i submits a header only once it
   * has had its quorum for i × BACKUP_DELAY_MS and is still not on Metro. While the first
   * aggregator is up it lands each header within a block or two, so the others stay quiet.
   */
  private myTurn(entry: Collected): boolean {
    return Date.now() - entry.readySince! >= this.myIndex * BACKUP_DELAY_MS;
  }

  /** Reports what was seen, once: refused evidence (the member was punished already) is dropped. */
  private async reportEquivocations(): Promise<void> {
    if (this.evidence.length === 0) return;
    const evidence = this.evidence;
    this.evidence = [];
    const submitter = this.submitter!.address;
    const messages = evidence.map(({ first, second }) => ({
      typeUrl: MsgSubmitEquivocationCodec.typeUrl,
      value: { submitter, first, second },
    }));
    try {
      await this.submitter!.send(messages);
      this.options.log.info(
        { reported: evidence.length },
        "reported equivocating committee members to Metro",
      );
    } catch (error) {
      this.options.log.warn({ err: error }, "Metro refused equivocation evidence");
    }
  }

  private async submit(entries: readonly Collected[]): Promise<void> {
    const submitter = this.submitter!.address;
    const messages = entries.map((entry) => {
      const members = this.countedSigners(entry);
      return {
        typeUrl: MsgSubmitRollupHeaderCodec.typeUrl,
        value: {
          submitter,
          signed: {
            header: entry.header,
            aggregateSignature: blsAggregateSignatures(
              members.map((member) => entry.signatures.get(member)!),
            ),
            signerBitmap: signerBitmap(this.committee.length, members),
          },
        },
      };
    });
    await this.submitter!.send(messages);
    this.stats.submitted += entries.length;
    // Wait for inclusion before building on it: the next submission starts from Metro's latest.
    const last = entries[entries.length - 1]!.header.rollupHeight;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (((await queryRollup(this.options.metroRpc, this.rollupId))?.latestHeight ?? 0n) >= last) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private restore(): void {
    if (!existsSync(this.options.statePath)) return;
    const stored = StateSchema.parse(JSON.parse(readFileSync(this.options.statePath, "utf8")));
    for (const hex of stored.headers) this.remember(RollupHeaderCodec.decode(fromHex(hex)));
  }

  private save(): void {
    const headers = [...this.built.values()].map((header) => toHex(RollupHeaderCodec.encode(header)));
    writeFileAtomic(this.options.statePath, JSON.stringify({ headers }));
  }
}
