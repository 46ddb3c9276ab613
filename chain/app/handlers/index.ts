import { msgSend, msgSequence } from "./bank.js";
import {
  msgAddCurrencyPairs,
  msgDeposit,
  msgHaltChain,
  msgRemoveCurrencyPairs,
  msgSlashValidator,
  msgSubmitProposal,
  msgUpdateGovParams,
  msgUpdateOracleParams,
  msgUpdateSequencerParams,
  msgUpdateSlashingParams,
  msgVote,
} from "./gov.js";
import { registerHandlers } from "./lookup.js";
import {
  msgChallengeHeader,
  msgJoinCommittee,
  msgRegisterRollup,
  msgSubmitEquivocation,
  msgSubmitRollupHeader,
} from "./rollup.js";
import {
  msgBeginRedelegate,
  msgCreateValidator,
  msgDelegate,
  msgUndelegate,
  msgUnjail,
  msgUpdateStakingParams,
  msgWithdrawDelegatorReward,
  msgWithdrawValidatorCommission,
} from "./staking.js";
import type { HandlerMap } from "./types.js";

export type { MessageEnv, MessageHandler, RollupItem } from "./types.js";

export const HANDLERS: HandlerMap = {
  "/cosmos.bank.v1beta1.MsgSend": msgSend,
  "/metro.sequencer.v1.MsgSequence": msgSequence,
  "/metro.staking.v1.MsgCreateValidator": msgCreateValidator,
  "/metro.staking.v1.MsgUpdateParams": msgUpdateStakingParams,
  "/cosmos.staking.v1beta1.MsgDelegate": msgDelegate,
  "/cosmos.staking.v1beta1.MsgUndelegate": msgUndelegate,
  "/cosmos.staking.v1beta1.MsgBeginRedelegate": msgBeginRedelegate,
  "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": msgWithdrawDelegatorReward,
  "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": msgWithdrawValidatorCommission,
  "/cosmos.slashing.v1beta1.MsgUnjail": msgUnjail,
  "/cosmos.gov.v1.MsgSubmitProposal": msgSubmitProposal,
  "/cosmos.gov.v1.MsgVote": msgVote,
  "/cosmos.gov.v1.MsgDeposit": msgDeposit,
  "/cosmos.gov.v1.MsgUpdateParams": msgUpdateGovParams,
  "/cosmos.slashing.v1beta1.MsgUpdateParams": msgUpdateSlashingParams,
  "/metro.sequencer.v1.MsgUpdateParams": msgUpdateSequencerParams,
  "/metro.gov.v1.MsgSlashValidator": msgSlashValidator,
  "/metro.gov.v1.MsgHaltChain": msgHaltChain,
  "/metro.oracle.v1.MsgAddCurrencyPairs": msgAddCurrencyPairs,
  "/metro.oracle.v1.MsgRemoveCurrencyPairs": msgRemoveCurrencyPairs,
  "/metro.oracle.v1.MsgUpdateParams": msgUpdateOracleParams,
  "/metro.rollup.v1.MsgRegisterRollup": msgRegisterRollup,
  "/metro.rollup.v1.MsgJoinCommittee": msgJoinCommittee,
  "/metro.rollup.v1.MsgSubmitRollupHeader": msgSubmitRollupHeader,
  "/metro.rollup.v1.MsgSubmitEquivocation": msgSubmitEquivocation,
  "/metro.rollup.v1.MsgChallengeHeader": msgChallengeHeader,
};

registerHandlers(HANDLERS);
