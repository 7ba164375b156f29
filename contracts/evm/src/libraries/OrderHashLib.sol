// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Auction, Order, Timelocks} from "../EscrowTypes.sol";

/// @notice EIP-712 struct hashes of the order, exactly the types of src/domain/eip712.ts.
library OrderHashLib {
    bytes internal constant AUCTION_POINT_TYPE = "AuctionPoint(uint256 offset,uint256 amount)";
    bytes internal constant AUCTION_TYPE =
        "Auction(uint256 startTime,uint256 duration,uint256 startAmount,uint256 endAmount,AuctionPoint[] points)";
    bytes internal constant TIMELOCKS_TYPE =
        "Timelocks(uint32 srcWithdrawal,uint32 srcPublicWithdrawal,uint32 srcCancellation,uint32 srcPublicCancellation,uint32 dstWithdrawal,uint32 dstPublicWithdrawal,uint32 dstCancellation)";
    bytes internal constant ORDER_TYPE =
        "Order(uint256 salt,address maker,address makerAsset,uint256 makingAmount,string dstChain,string receiver,string takerAsset,uint256 srcSafetyDeposit,uint256 dstSafetyDeposit,bytes32 hashlock,uint256 nonce,uint256 expiry,Auction auction,Timelocks timelocks)";

    bytes32 internal constant AUCTION_POINT_TYPEHASH = keccak256(AUCTION_POINT_TYPE);
    // Referenced types are appended in alphabetical order, as EIP-712 encodeType requires.
    bytes32 internal constant AUCTION_TYPEHASH = keccak256(abi.encodePacked(AUCTION_TYPE, AUCTION_POINT_TYPE));
    bytes32 internal constant TIMELOCKS_TYPEHASH = keccak256(TIMELOCKS_TYPE);
    bytes32 internal constant ORDER_TYPEHASH =
        keccak256(abi.encodePacked(ORDER_TYPE, AUCTION_TYPE, AUCTION_POINT_TYPE, TIMELOCKS_TYPE));

    function hashStruct(Order calldata o) internal pure returns (bytes32) {
        // Two halves, concatenated: every member encodes to one 32-byte word, so this equals one
        // abi.encode of all fifteen words while keeping the stack shallow.
        bytes memory head = abi.encode(
            ORDER_TYPEHASH,
            o.salt,
            o.maker,
            o.makerAsset,
            o.makingAmount,
            keccak256(bytes(o.dstChain)),
            keccak256(bytes(o.receiver)),
            keccak256(bytes(o.takerAsset))
        );
        bytes memory tail = abi.encode(
            o.srcSafetyDeposit,
            o.dstSafetyDeposit,
            o.hashlock,
            o.nonce,
            o.expiry,
            hashAuction(o.auction),
            hashTimelocks(o.timelocks)
        );
        return keccak256(bytes.concat(head, tail));
    }

    function hashAuction(Auction calldata a) internal pure returns (bytes32) {
        uint256 n = a.points.length;
        bytes32[] memory pointHashes = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            pointHashes[i] = keccak256(abi.encode(AUCTION_POINT_TYPEHASH, a.points[i].offset, a.points[i].amount));
        }
        return keccak256(
            abi.encode(
                AUCTION_TYPEHASH,
                a.startTime,
                a.duration,
                a.startAmount,
                a.endAmount,
                keccak256(abi.encodePacked(pointHashes))
            )
        );
    }

    function hashTimelocks(Timelocks calldata t) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                TIMELOCKS_TYPEHASH,
                t.srcWithdrawal,
                t.srcPublicWithdrawal,
                t.srcCancellation,
                t.srcPublicCancellation,
                t.dstWithdrawal,
                t.dstPublicWithdrawal,
                t.dstCancellation
            )
        );
    }
}
