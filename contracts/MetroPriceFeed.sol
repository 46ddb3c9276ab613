// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";

/// @title MetroPriceFeed
/// @notice One Metro currency pair (e.g. "TIA/USD") as a Chainlink AggregatorV3 feed. Round id = the Metro
/// height the price was agreed at, so round ids increase but are not contiguous: a height the rollup never
/// saw has no round, and `getRoundData` reverts for it. Every round is kept.
/// @dev Deployed by MetroOracle with CREATE2 and no constructor arguments, so its address depends only on
/// the pair id (the salt); the pair and its decimals are set once with `initialize`. Answers are stored
/// as int192 (as Chainlink's OCR aggregators do) packed with the timestamp, one storage slot per round.
contract MetroPriceFeed is AggregatorV3Interface {
    struct Round {
        int192 answer;
        uint64 updatedAt; // zero = no round
    }

    /// @notice Chainlink's event, so tooling that follows aggregator logs works unchanged.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    error NotOracle();
    error AlreadyInitialized();

    /// @notice The MetroOracle that deployed this feed: the only writer.
    address public immutable oracle;

    uint8 public override decimals;
    bool private _initialized;
    uint80 public latestRound;
    string private _description;
    mapping(uint80 => Round) private _rounds;

    constructor() {
        oracle = msg.sender;
    }

    modifier onlyOracle() {
        if (msg.sender != oracle) revert NotOracle();
        _;
    }

    function initialize(string calldata pair, uint8 decimals_) external onlyOracle {
        if (_initialized) revert AlreadyInitialized();
        _initialized = true;
        decimals = decimals_;
        _description = pair;
    }

    /// @notice Stores a round. A round id that is not above the latest one, or a zero timestamp, is
    /// ignored (returns false) so that nothing already recorded can be overwritten.
    function record(uint80 roundId, int192 answer, uint64 updatedAt) external onlyOracle returns (bool) {
        if (roundId <= latestRound || updatedAt == 0) return false;
        latestRound = roundId;
        _rounds[roundId] = Round(answer, updatedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
        return true;
    }

    /// @notice The pair id, e.g. "TIA/USD".
    function description() external view override returns (string memory) {
        return _description;
    }

    function version() external pure override returns (uint256) {
        return 1;
    }

    function getRoundData(uint80 roundId) public view override returns (uint80, int256, uint256, uint256, uint80) {
        Round memory round = _rounds[roundId];
        require(round.updatedAt != 0, "No data present");
        return (roundId, round.answer, round.updatedAt, round.updatedAt, roundId);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(latestRound);
    }
}
