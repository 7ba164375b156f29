// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Timelocks} from "../EscrowTypes.sol";

/// @notice Packing and reading of the source escrow's timelocks word.
library TimelocksLib {
    enum Stage {
        SrcWithdrawal,
        SrcPublicWithdrawal,
        SrcCancellation,
        SrcPublicCancellation,
        DstWithdrawal,
        DstPublicWithdrawal,
        DstCancellation
    }

    uint256 private constant _DEPLOYED_AT_SHIFT = 224;

    /// @dev DESIGN §6: each chain's stages strictly ordered, and dstCancellation < srcCancellation so the
    /// resolver can still withdraw on the source chain after the secret became public on the destination.
    function isOrdered(Timelocks calldata t) internal pure returns (bool) {
        return t.srcWithdrawal < t.srcPublicWithdrawal && t.srcPublicWithdrawal < t.srcCancellation
            && t.srcCancellation < t.srcPublicCancellation && t.dstWithdrawal < t.dstPublicWithdrawal
            && t.dstPublicWithdrawal < t.dstCancellation && t.dstCancellation < t.srcCancellation;
    }

    function pack(Timelocks calldata t, uint256 createdAt) internal pure returns (uint256 packed) {
        packed = uint256(t.srcWithdrawal) | (uint256(t.srcPublicWithdrawal) << 32)
            | (uint256(t.srcCancellation) << 64) | (uint256(t.srcPublicCancellation) << 96)
            | (uint256(t.dstWithdrawal) << 128) | (uint256(t.dstPublicWithdrawal) << 160)
            | (uint256(t.dstCancellation) << 192) | (uint256(uint32(createdAt)) << _DEPLOYED_AT_SHIFT);
    }

    function deployedAt(uint256 packed) internal pure returns (uint256) {
        return packed >> _DEPLOYED_AT_SHIFT;
    }

    /// @return absolute unix second at which `stage` begins
    function start(uint256 packed, Stage stage) internal pure returns (uint256) {
        uint256 offset = uint32(packed >> (uint256(stage) * 32));
        return deployedAt(packed) + offset;
    }
}
