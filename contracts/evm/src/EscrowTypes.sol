// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice One point of the Dutch-auction curve: `amount` of the taker asset at `offset` seconds after start.
struct AuctionPoint {
    uint256 offset;
    uint256 amount;
}

struct Auction {
    uint256 startTime;
    uint256 duration;
    uint256 startAmount;
    uint256 endAmount;
    AuctionPoint[] points;
}

/// @notice Offsets in seconds after the source escrow's creation (DESIGN §6).
struct Timelocks {
    uint32 srcWithdrawal;
    uint32 srcPublicWithdrawal;
    uint32 srcCancellation;
    uint32 srcPublicCancellation;
    uint32 dstWithdrawal;
    uint32 dstPublicWithdrawal;
    uint32 dstCancellation;
}

/// @notice The maker's signed order; field order is the EIP-712 `Order` type of src/domain/eip712.ts.
struct Order {
    uint256 salt;
    address maker;
    address makerAsset;
    uint256 makingAmount;
    string dstChain;
    string receiver;
    string takerAsset;
    uint256 srcSafetyDeposit;
    uint256 dstSafetyDeposit;
    bytes32 hashlock;
    uint256 nonce;
    uint256 expiry;
    Auction auction;
    Timelocks timelocks;
}

/// @notice What a source escrow is bound to. `timelocks` packs the seven stage offsets (uint32 each,
/// stage k in bits [32k, 32k+32)) and deployedAt in bits [224, 256).
struct Immutables {
    bytes32 orderHash;
    bytes32 hashlock;
    address maker;
    address taker;
    address token;
    uint256 amount;
    uint256 safetyDeposit;
    uint256 timelocks;
}

/// @notice The destination side promised by a source fill; the destination may be a non-EVM chain.
struct DstComplement {
    string chain;
    string receiver;
    string asset;
    uint256 amount;
    uint256 safetyDeposit;
}

/// @notice What a destination escrow on this chain is bound to; times are absolute unix seconds.
struct DstImmutables {
    bytes32 orderHash;
    bytes32 hashlock;
    address receiver;
    address taker;
    address token;
    uint256 amount;
    uint256 safetyDeposit;
    uint256 withdrawalAt;
    uint256 publicWithdrawalAt;
    uint256 cancellationAt;
}
