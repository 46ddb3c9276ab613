// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MetroPriceFeed} from "./MetroPriceFeed.sol";

/// @title MetroOracle
/// @notice Predeployed on every Metro rollup at 0x4d6574726f4f7261636c65000000000000000000 ("MetroOracle").
/// The rollup's execution node writes the prices Metro's validators agreed on at the start of every
/// rollup block, before user transactions, with a system call from SYSTEM_ADDRESS (like EIP-4788).
/// Each pair gets its own Chainlink-compatible MetroPriceFeed, created with CREATE2 (salt =
/// keccak256(bytes(pair))) the first time the pair appears, so its address is known in advance.
/// @dev Placed in genesis as runtime code only: no constructor and no immutables.
///
/// `update` never reverts for the system caller on bad data; it skips instead, because the execution
/// node treats a failing system call as a bug. Per price, it is skipped when:
///  - metroHeight is not above the feed's latest round (a repeated or older height), or is zero;
///  - timestamp is zero (zero means "no round" in Chainlink's interface) — then the whole update is a no-op;
///  - the answer, rescaled to the feed's decimals, does not fit in an int192.
/// A pair's decimals are fixed when its feed is created; if Metro later reports the pair with other
/// decimals, answers are rescaled to the feed's decimals (truncating towards zero when reducing).
contract MetroOracle {
    address public constant SYSTEM_ADDRESS = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE;

    struct Price {
        string pair;
        uint8 decimals;
        int256 answer;
    }

    struct FeedInfo {
        MetroPriceFeed feed;
        uint8 decimals;
    }

    event FeedCreated(string pair, address indexed feed, uint8 decimals);
    event PriceUpdated(address indexed feed, uint80 indexed roundId, int256 answer, uint256 updatedAt);

    error NotSystem();

    mapping(bytes32 => FeedInfo) private _feeds;
    string[] private _pairs;

    function update(uint64 metroHeight, uint64 timestamp, Price[] calldata prices) external {
        if (msg.sender != SYSTEM_ADDRESS) revert NotSystem();
        if (timestamp == 0) return;
        for (uint256 i = 0; i < prices.length; ++i) {
            Price calldata price = prices[i];
            FeedInfo memory info = _feeds[keccak256(bytes(price.pair))];
            if (address(info.feed) == address(0)) info = _create(price.pair, price.decimals);
            (bool fits, int192 answer) = _scale(price.answer, price.decimals, info.decimals);
            if (fits && info.feed.record(metroHeight, answer, timestamp)) {
                emit PriceUpdated(address(info.feed), metroHeight, answer, timestamp);
            }
        }
    }

    /// @notice The feed of a pair, or the zero address if the pair has never been reported.
    function feed(string calldata pair) external view returns (address) {
        return address(_feeds[keccak256(bytes(pair))].feed);
    }

    /// @notice Every pair ever reported, in order of first appearance.
    function pairs() external view returns (string[] memory) {
        return _pairs;
    }

    /// @notice Where the feed of a pair is, or will be, deployed.
    function feedAddress(string calldata pair) external view returns (address) {
        bytes32 codeHash = keccak256(type(MetroPriceFeed).creationCode);
        bytes32 hash = keccak256(abi.encodePacked(bytes1(0xff), address(this), keccak256(bytes(pair)), codeHash));
        return address(uint160(uint256(hash)));
    }

    function _create(string calldata pair, uint8 decimals) private returns (FeedInfo memory info) {
        bytes32 salt = keccak256(bytes(pair));
        MetroPriceFeed created = new MetroPriceFeed{salt: salt}();
        created.initialize(pair, decimals);
        info = FeedInfo(created, decimals);
        _feeds[salt] = info;
        _pairs.push(pair);
        emit FeedCreated(pair, address(created), decimals);
    }

    /// @dev `answer` with `from` decimals expressed with `to` decimals; `fits` is false when it does not
    /// fit in an int192.
    function _scale(int256 answer, uint8 from, uint8 to) private pure returns (bool fits, int192 scaled) {
        int256 value = answer;
        if (to > from) {
            uint8 up = to - from;
            if (answer == 0) return (true, 0);
            if (up > 57) return (false, 0); // 10**58 > type(int192).max
            int256 factor = int256(uint256(10) ** up);
            if (answer > type(int192).max / factor || answer < type(int192).min / factor) return (false, 0);
            value = answer * factor;
        } else if (from > to) {
            uint8 down = from - to;
            value = down > 76 ? int256(0) : answer / int256(uint256(10) ** down);
        }
        if (value > type(int192).max || value < type(int192).min) return (false, 0);
        return (true, int192(value));
    }
}
