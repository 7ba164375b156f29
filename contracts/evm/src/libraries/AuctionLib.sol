// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Auction, AuctionPoint} from "../EscrowTypes.sol";

/// @notice The Dutch auction of DESIGN §5, in integers, identical to src/domain/auction.ts.
library AuctionLib {
    /// @dev Bounds the gas of pricing; the relayer accepts at most 16 points.
    uint256 internal constant MAX_POINTS = 16;

    /// @dev duration > 0, endAmount >= 1, offsets strictly increasing inside (0, duration), amounts
    /// non-increasing along startAmount >= points... >= endAmount.
    function isValid(Auction calldata a) internal pure returns (bool) {
        if (a.duration == 0 || a.endAmount == 0 || a.points.length > MAX_POINTS) return false;
        uint256 prevOffset = 0;
        uint256 prevAmount = a.startAmount;
        for (uint256 i = 0; i < a.points.length; i++) {
            AuctionPoint calldata p = a.points[i];
            if (p.offset <= prevOffset || p.offset >= a.duration || p.amount > prevAmount) return false;
            prevOffset = p.offset;
            prevAmount = p.amount;
        }
        return a.endAmount <= prevAmount;
    }

    /// @notice The taker amount at unix second `t`: on the curve (0, startAmount), points..., (duration,
    /// endAmount), segment (o1,a1)-(o2,a2) with o1 <= e < o2 gives a2 + ceil((a1 - a2) * (o2 - e) / (o2 - o1)),
    /// rounded up in the maker's favour and never below endAmount.
    function amountAt(Auction calldata a, uint256 t) internal pure returns (uint256) {
        if (t <= a.startTime) return a.startAmount;
        // Written as a subtraction so a huge startTime + duration cannot overflow.
        uint256 e = t - a.startTime;
        if (e >= a.duration) return a.endAmount;
        uint256 o1 = 0;
        uint256 a1 = a.startAmount;
        uint256 n = a.points.length;
        for (uint256 i = 0; i <= n; i++) {
            (uint256 o2, uint256 a2) = i < n ? (a.points[i].offset, a.points[i].amount) : (a.duration, a.endAmount);
            if (o1 <= e && e < o2) {
                uint256 amount = a1 > a2 ? a2 + Math.mulDiv(a1 - a2, o2 - e, o2 - o1, Math.Rounding.Ceil) : a2;
                return amount < a.endAmount ? a.endAmount : amount;
            }
            o1 = o2;
            a1 = a2;
        }
        // Only reachable for a curve isValid() rejects.
        return a.endAmount;
    }
}
