// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BaseEscrow} from "./BaseEscrow.sol";
import {Immutables} from "./EscrowTypes.sol";
import {TimelocksLib} from "./libraries/TimelocksLib.sol";

/// @notice Source escrow: holds the maker's tokens (+ the taker's safety deposit, native) for one fill.
/// With the secret the taker (resolver) gets the tokens; after cancellation they go back to the maker.
/// The caller of any withdrawal or cancellation receives the safety deposit.
contract EscrowSrc is BaseEscrow {
    using TimelocksLib for uint256;

    constructor(uint256 rescueDelay) BaseEscrow(rescueDelay) {}

    /// @notice Taker only, in [srcWithdrawal, srcCancellation): tokens to the taker.
    function withdraw(bytes32 secret, Immutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _requireCaller(immutables.taker);
        _withdraw(secret, immutables, TimelocksLib.Stage.SrcWithdrawal, false);
    }

    /// @notice Anyone, in [srcPublicWithdrawal, srcCancellation): tokens still to the taker.
    function publicWithdraw(bytes32 secret, Immutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _withdraw(secret, immutables, TimelocksLib.Stage.SrcPublicWithdrawal, true);
    }

    /// @notice Taker only, from srcCancellation: tokens back to the maker.
    function cancel(Immutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _requireCaller(immutables.taker);
        _cancel(immutables, TimelocksLib.Stage.SrcCancellation, false);
    }

    /// @notice Anyone, from srcPublicCancellation: tokens back to the maker.
    function publicCancel(Immutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _cancel(immutables, TimelocksLib.Stage.SrcPublicCancellation, true);
    }

    /// @notice Taker only, from deployedAt + RESCUE_DELAY: recovers anything left or sent here by mistake.
    function rescueFunds(address token, uint256 amount, Immutables calldata immutables) external nonReentrant {
        _verify(immutables);
        _requireCaller(immutables.taker);
        _requireFrom(immutables.timelocks.deployedAt() + RESCUE_DELAY);
        _send(token, immutables.taker, amount);
        emit FundsRescued(token, amount);
    }

    function _withdraw(bytes32 secret, Immutables calldata imm, TimelocksLib.Stage from, bool isPublic) private {
        _requireWithin(imm.timelocks.start(from), imm.timelocks.start(TimelocksLib.Stage.SrcCancellation));
        _requireSecret(secret, imm.hashlock);
        _settle();
        _send(imm.token, imm.taker, imm.amount);
        _send(address(0), msg.sender, imm.safetyDeposit);
        emit EscrowWithdrawal(secret, imm.taker, isPublic);
    }

    function _cancel(Immutables calldata imm, TimelocksLib.Stage from, bool isPublic) private {
        _requireFrom(imm.timelocks.start(from));
        _settle();
        _send(imm.token, imm.maker, imm.amount);
        _send(address(0), msg.sender, imm.safetyDeposit);
        emit EscrowCancelled(imm.maker, isPublic);
    }

    function _verify(Immutables calldata imm) private view {
        _requireOwnAddress(keccak256(abi.encode(imm)));
    }
}
