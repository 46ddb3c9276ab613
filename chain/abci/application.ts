import type {
  Request,
  RequestApplySnapshotChunk,
  RequestCheckTx,
  RequestExtendVote,
  RequestFinalizeBlock,
  RequestInfo,
  RequestInitChain,
  RequestLoadSnapshotChunk,
  RequestOfferSnapshot,
  RequestPrepareProposal,
  RequestProcessProposal,
  RequestQuery,
  RequestVerifyVoteExtension,
  ResponseApplySnapshotChunk,
  ResponseCheckTx,
  ResponseCommit,
  ResponseExtendVote,
  ResponseFinalizeBlock,
  ResponseInfo,
  ResponseInitChain,
  ResponseListSnapshots,
  ResponseLoadSnapshotChunk,
  ResponseOfferSnapshot,
  ResponsePrepareProposal,
  ResponseProcessProposal,
  ResponseQuery,
  ResponseVerifyVoteExtension,
} from "cosmjs-types/tendermint/abci/types";

type MaybeAsync<T> = T | Promise<T>;

/** Every ABCI 2.0 method an application answers (Echo and Flush are the server's own). */
export interface AbciApplication {
  /**
   * Called for each request as soon as it arrives, before earlier ones are answered: a chance to
   * start stateless work (such as signature checks) early. Must not change state.
   */
  prefetch?(request: Request): void;
  info(request: RequestInfo): MaybeAsync<ResponseInfo>;
  initChain(request: RequestInitChain): MaybeAsync<ResponseInitChain>;
  query(request: RequestQuery): MaybeAsync<ResponseQuery>;
  checkTx(request: RequestCheckTx): MaybeAsync<ResponseCheckTx>;
  prepareProposal(request: RequestPrepareProposal): MaybeAsync<ResponsePrepareProposal>;
  processProposal(request: RequestProcessProposal): MaybeAsync<ResponseProcessProposal>;
  extendVote(request: RequestExtendVote): MaybeAsync<ResponseExtendVote>;
  verifyVoteExtension(request: RequestVerifyVoteExtension): MaybeAsync<ResponseVerifyVoteExtension>;
  finalizeBlock(request: RequestFinalizeBlock): MaybeAsync<ResponseFinalizeBlock>;
  commit(): MaybeAsync<ResponseCommit>;
  listSnapshots(): MaybeAsync<ResponseListSnapshots>;
  offerSnapshot(request: RequestOfferSnapshot): MaybeAsync<ResponseOfferSnapshot>;
  loadSnapshotChunk(request: RequestLoadSnapshotChunk): MaybeAsync<ResponseLoadSnapshotChunk>;
  applySnapshotChunk(request: RequestApplySnapshotChunk): MaybeAsync<ResponseApplySnapshotChunk>;
}
