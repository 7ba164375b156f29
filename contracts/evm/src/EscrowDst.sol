// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BaseEscrow} from "./BaseEscrow.sol";
import {DstImmutables} from "./EscrowTypes.sol";

/// @notice Destination escrow: holds the resolver's tokens for the maker's receiver (+ a native safety
/// deposit). With the secret they go to the receiver; after cancellation back to the taker.
/// There is no public cancellation on the destination side (DESIGN §6).
contract EscrowDst is BaseEscrow {
    constructor(uint256 rescueDelay) BaseEscrow(rescueDelay) {}

    /// @notice Taker only, in [withdrawalAt, cancellationAt): tokens to the receiver.
    function withdraw(bytes32 secret, DstImmutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _requireCaller(immutables.taker);
        _withdraw(secret, immutables, immutables.withdrawalAt, false);
    }

    /// @notice Anyone, in [publicWithdrawalAt, cancellationAt): tokens to the receiver.
    function publicWithdraw(bytes32 secret, DstImmutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _withdraw(secret, immutables, immutables.publicWithdrawalAt, true);
    }

    /// @notice Taker only, from cancellationAt: tokens back to the taker.
    function cancel(DstImmutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _requireCaller(immutables.taker);
        _requireFrom(immutables.cancellationAt);
        _settle();
        _send(immutables.token, immutables.taker, immutables.amount);
        _send(address(0), msg.sender, immutables.safetyDeposit);
        emit EscrowCancelled(immutables.taker, false);
    }

    /// @notice Taker only, from cancellationAt + RESCUE_DELAY. The destination immutables carry no
    /// creation time, so the delay counts from cancellationAt, when the taker could cancel anyway.
    function rescueFunds(address token, uint256 amount, DstImmutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _requireCaller(immutables.taker);
        _requireFrom(immutables.cancellationAt + RESCUE_DELAY);
        _send(token, immutables.taker, amount);
        emit FundsRescued(token, amount);
    }

    function _withdraw(bytes32 secret, DstImmutables calldata imm, uint256 from, bool isPublic) private {
        _requireWithin(from, imm.cancellationAt);
        _requireSecret(secret, imm.hashlock);
        _settle();
        _send(imm.token, imm.receiver, imm.amount);
        _send(address(0), msg.sender, imm.safetyDeposit);
        emit EscrowWithdrawal(secret, imm.receiver, isPublic);
    }

    function _verify(DstImmutables calldata imm) private view {
        _requireOwnAddress(keccak256(abi.encode(imm)));
    }
}
