// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "../AggregatorV3Interface.sol";

/// @title LendingMarket (example)
/// @notice Deposit ETH as collateral, borrow a USD stable token against it, priced by a Metro feed
/// (e.g. the "ETH/USD" MetroPriceFeed). Borrowing is allowed up to 75% of the collateral's value; a
/// position whose debt exceeds 80% of its collateral's value can be liquidated by anyone, who repays the
/// whole debt and receives that value plus a 5% bonus in ETH. The stable token ("mUSD", 18 decimals)
/// is a plain internal ledger: minted on borrow, burnt on repay or liquidation, transferable.
/// An example only: no interest, no reserves, a single collateral.
contract LendingMarket {
    uint256 public constant COLLATERAL_FACTOR_BPS = 7_500;
    uint256 public constant LIQUIDATION_THRESHOLD_BPS = 8_000;
    uint256 public constant LIQUIDATION_BONUS_BPS = 500;
    uint256 public constant MAX_PRICE_AGE = 1 hours;
    uint256 private constant BPS = 10_000;

    AggregatorV3Interface public immutable priceFeed;
    uint256 private immutable _priceUnit; // 10 ** priceFeed.decimals()

    mapping(address => uint256) public collateral; // wei
    mapping(address => uint256) public debt; // mUSD
    mapping(address => uint256) public balanceOf; // mUSD
    uint256 public totalSupply;

    event Deposited(address indexed user, uint256 amount);
    event Withdrawn(address indexed user, uint256 amount);
    event Borrowed(address indexed user, uint256 amount);
    event Repaid(address indexed user, uint256 amount);
    event Liquidated(address indexed user, address indexed liquidator, uint256 repaid, uint256 seized);
    event Transfer(address indexed from, address indexed to, uint256 amount);

    error StalePrice();
    error InvalidPrice();
    error ExceedsBorrowLimit();
    error NotLiquidatable();
    error InsufficientBalance();
    error TransferFailed();

    constructor(address feed) {
        priceFeed = AggregatorV3Interface(feed);
        _priceUnit = uint256(10) ** AggregatorV3Interface(feed).decimals();
    }

    /// @notice The feed's latest price (USD per ETH, with the feed's decimals); reverts if stale or not positive.
    function price() public view returns (uint256) {
        (uint80 roundId, int256 answer,, uint256 updatedAt, uint80 answeredInRound) = priceFeed.latestRoundData();
        if (answer <= 0) revert InvalidPrice();
        if (updatedAt == 0 || answeredInRound < roundId || updatedAt + MAX_PRICE_AGE < block.timestamp) {
            revert StalePrice();
        }
        return uint256(answer);
    }

    /// @notice The USD value (18 decimals) of `user`'s collateral.
    function collateralValue(address user) public view returns (uint256) {
        return (collateral[user] * price()) / _priceUnit;
    }

    function borrowLimit(address user) public view returns (uint256) {
        return (collateralValue(user) * COLLATERAL_FACTOR_BPS) / BPS;
    }

    function isLiquidatable(address user) public view returns (bool) {
        return debt[user] * BPS > collateralValue(user) * LIQUIDATION_THRESHOLD_BPS;
    }

    function deposit() external payable {
        collateral[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw(uint256 amount) external {
        collateral[msg.sender] -= amount;
        if (debt[msg.sender] > 0 && debt[msg.sender] > borrowLimit(msg.sender)) revert ExceedsBorrowLimit();
        emit Withdrawn(msg.sender, amount);
        _sendEth(msg.sender, amount);
    }

    function borrow(uint256 amount) external {
        debt[msg.sender] += amount;
        if (debt[msg.sender] > borrowLimit(msg.sender)) revert ExceedsBorrowLimit();
        _mint(msg.sender, amount);
        emit Borrowed(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        debt[msg.sender] -= amount;
        _burn(msg.sender, amount);
        emit Repaid(msg.sender, amount);
    }

    /// @notice Repays all of `user`'s debt from the caller's mUSD and takes its value plus the bonus in ETH
    /// (capped at the user's collateral; what remains stays the user's).
    function liquidate(address user) external {
        if (!isLiquidatable(user)) revert NotLiquidatable();
        uint256 repaid = debt[user];
        uint256 seized = (repaid * _priceUnit * (BPS + LIQUIDATION_BONUS_BPS)) / (price() * BPS);
        if (seized > collateral[user]) seized = collateral[user];
        debt[user] = 0;
        collateral[user] -= seized;
        _burn(msg.sender, repaid);
        emit Liquidated(user, msg.sender, repaid, seized);
        _sendEth(msg.sender, seized);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (balanceOf[msg.sender] < amount) revert InsufficientBalance();
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        emit Transfer(msg.sender, to, amount);
        return true;
    }

    function _mint(address to, uint256 amount) private {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function _burn(address from, uint256 amount) private {
        if (balanceOf[from] < amount) revert InsufficientBalance();
        balanceOf[from] -= amount;
        totalSupply -= amount;
        emit Transfer(from, address(0), amount);
    }

    function _sendEth(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }
}
