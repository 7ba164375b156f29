// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @notice What the source and destination escrows share. Each escrow is an EIP-1167 clone made by the
/// factory with CREATE2, salt = keccak256(abi.encode(immutables)). The immutables are not stored: every
/// call passes them again and the clone checks they re-derive its own address, so they cannot be forged.
abstract contract BaseEscrow is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The factory that deploys the clones (the deployer of this implementation).
    address public immutable FACTORY;
    /// @notice Seconds after which the taker may rescue any funds left in the escrow.
    uint256 public immutable RESCUE_DELAY;
    // In a clone (delegatecall) this still reads the implementation's address: immutables live in code.
    address private immutable _IMPLEMENTATION;

    /// @dev Set once the escrowed funds left through a withdrawal or a cancellation.
    bool private _settled;

    event EscrowWithdrawal(bytes32 secret, address indexed to, bool isPublic);
    event EscrowCancelled(address indexed to, bool isPublic);
    event FundsRescued(address token, uint256 amount);

    error InvalidImmutables();
    error InvalidCaller();
    error InvalidSecret();
    error InvalidTime();
    error AlreadySettled();

    constructor(uint256 rescueDelay) {
        FACTORY = msg.sender;
        RESCUE_DELAY = rescueDelay;
        _IMPLEMENTATION = address(this);
    }

    /// @notice True once this escrow was withdrawn or cancelled.
    function settled() external view returns (bool) {
        return _settled;
    }

    /// @dev Reverts unless `salt` (the immutables' hash) is the one this clone was created with.
    function _requireOwnAddress(bytes32 salt) internal view {
        if (Clones.predictDeterministicAddress(_IMPLEMENTATION, salt, FACTORY) != address(this)) {
            revert InvalidImmutables();
        }
    }

    function _requireCaller(address expected) internal view {
        if (msg.sender != expected) revert InvalidCaller();
    }

    /// @dev Windows are [start, end): start inclusive, end exclusive.
    function _requireWithin(uint256 start, uint256 end) internal view {
        if (block.timestamp < start || block.timestamp >= end) revert InvalidTime();
    }

    function _requireFrom(uint256 start) internal view {
        if (block.timestamp < start) revert InvalidTime();
    }

    function _requireSecret(bytes32 secret, bytes32 hashlock) internal pure {
        if (keccak256(abi.encodePacked(secret)) != hashlock) revert InvalidSecret();
    }

    /// @dev Marks the escrow spent before any transfer (checks-effects-interactions).
    function _settle() internal {
        if (_settled) revert AlreadySettled();
        _settled = true;
    }

    /// @dev `token == address(0)` is the native coin.
    function _send(address token, address to, uint256 amount) internal {
        if (amount == 0) return;
        if (token == address(0)) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
