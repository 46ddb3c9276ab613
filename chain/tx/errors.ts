/**
 * Tx failures carry a code and codespace, like the Cosmos SDK's, so wallets and explorers read
 * them the usual way. The "sdk" codes are the SDK's own numbers (types/errors/errors.go).
 */
export const SdkCode = {
  TxDecode: 2,
  Unauthorized: 4,
  InsufficientFunds: 5,
  UnknownRequest: 6,
  InvalidAddress: 7,
  InvalidPubKey: 8,
  UnknownAddress: 9,
  InvalidCoins: 10,
  OutOfGas: 11,
  MemoTooLarge: 12,
  InsufficientFee: 13,
  TooManySignatures: 14,
  NoSignatures: 15,
  InvalidRequest: 18,
  TxTooLarge: 21,
  KeyNotFound: 22,
  TxTimeoutHeight: 30,
  UnknownExtensionOptions: 31,
  WrongSequence: 32,
  NotSupported: 37,
  InvalidGasLimit: 41,
} as const;

export const SequencerCode = {
  InvalidRollupId: 2,
  EmptyRollupData: 3,
  RollupDataTooLarge: 4,
  SignerMismatch: 5,
  /** The tx alone is larger than any block can hold: it would wait in mempools forever. */
  TxOverBlockLimit: 6,
  /** A bundle's rollup data adds up to more than a block holds. */
  BundleOverBlockLimit: 7,
} as const;

/** Module errors: the numbers follow the Cosmos SDK module's own where it has the same error. */
export const StakingCode = {
  ValidatorNotFound: 3,
  ValidatorOwnerExists: 4,
  ConsensusKeyExists: 5,
  InvalidConsensusKey: 6,
  CommissionInvalid: 9,
  SelfBondBelowMinimum: 13,
  InvalidBlsKey: 14,
  BlsKeyExists: 15,
  DelegationNotFound: 19,
  InsufficientShares: 22,
  MaxEntries: 23,
  SelfRedelegation: 27,
  TransitiveRedelegation: 29,
  InvalidValidatorState: 30,
  InvalidAmount: 31,
} as const;

export const DistributionCode = {
  NoValidatorCommission: 5,
  NoDelegationRewards: 6,
} as const;

export const SlashingCode = {
  NoSigningInfo: 3,
  ValidatorNotJailed: 5,
  ValidatorStillJailed: 6,
  SelfBondTooLow: 7,
  Tombstoned: 8,
} as const;

export const GovCode = {
  Unauthorized: 2,
  ProposalNotFound: 3,
  InactiveProposal: 4,
  InvalidProposalMessage: 5,
  InvalidVote: 6,
  DuplicateVote: 7,
  InvalidParams: 8,
  InvalidDeposit: 9,
} as const;

export const RollupCode = {
  InvalidRollup: 2,
  RollupExists: 3,
  RollupNotFound: 4,
  NotAMember: 5,
  InvalidHeader: 6,
  BelowQuorum: 7,
  BadSignature: 8,
  NotEquivocation: 9,
  InvalidChallenge: 10,
} as const;

export type Codespace = "sdk" | "sequencer" | "staking" | "distribution" | "slashing" | "gov" | "rollup";

export class TxError extends Error {
  override name = "TxError";

  /** Rejections are expected control flow (thousands per block under spam): no stack trace. */
  constructor(
    readonly codespace: Codespace,
    readonly code: number,
    message: string,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export const sdkError = (code: number, message: string): TxError => new TxError("sdk", code, message);
export const sequencerError = (code: number, message: string): TxError =>
  new TxError("sequencer", code, message);

export const moduleError = (codespace: Codespace, code: number, message: string): TxError =>
  new TxError(codespace, code, message);
