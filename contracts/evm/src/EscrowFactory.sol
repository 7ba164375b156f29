// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {Auction, DstComplement, DstImmutables, Immutables, Order} from "./EscrowTypes.sol";
import {AuctionLib} from "./libraries/AuctionLib.sol";
import {OrderHashLib} from "./libraries/OrderHashLib.sol";
import {TimelocksLib} from "./libraries/TimelocksLib.sol";
import {EscrowSrc} from "./EscrowSrc.sol";
import {EscrowDst} from "./EscrowDst.sol";

/// @notice Creates the escrows of Fusion+-style cross-chain swaps. A resolver fills a maker's EIP-712
/// signed order by calling `createSrcEscrow`, which checks the order and the Dutch-auction price and
/// moves the maker's funds into a fresh source escrow. For the reverse direction a resolver funds a
/// destination escrow for an EVM receiver with `createDstEscrow`.
contract EscrowFactory is EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using TimelocksLib for uint256;

    address public immutable ESCROW_SRC_IMPLEMENTATION;
    address public immutable ESCROW_DST_IMPLEMENTATION;
    uint256 public immutable RESCUE_DELAY;

    /// @notice orderHash => already filled (an order fills once).
    mapping(bytes32 => bool) public filled;
    /// @notice maker => nonce => invalidated by the maker.
    mapping(address => mapping(uint256 => bool)) public isNonceInvalidated;
    /// @notice Native coin a maker deposited to sell in native-ETH orders (a maker cannot be pulled for ETH).
    mapping(address => uint256) public nativeBalance;

    event SrcEscrowCreated(
        bytes32 indexed orderHash, address indexed escrow, address indexed taker, Immutables immutables, DstComplement dst
    );
    event DstEscrowCreated(
        bytes32 indexed orderHash, address indexed escrow, address indexed taker, DstImmutables immutables
    );
    event NonceInvalidated(address indexed maker, uint256 nonce);
    event NativeDeposited(address indexed maker, uint256 amount);
    event NativeWithdrawn(address indexed maker, uint256 amount);

    error InvalidSignature();
    error OrderExpired();
    error InvalidatedNonce();
    error OrderAlreadyFilled();
    error InvalidAmount();
    error InvalidReceiver();
    error InvalidTimelocks();
    error TimelocksBeyondRescueDelay(uint256 srcPublicCancellation, uint256 rescueDelay);
    error InvalidAuction();
    error InsufficientDstAmount(uint256 price, uint256 offered);
    error InvalidMsgValue();
    error InvalidCaller();
    error InsufficientNativeBalance(uint256 balance, uint256 needed);
    error TransferAmountMismatch(uint256 expected, uint256 received);

    constructor(uint256 rescueDelay) EIP712("FusionEscrowFactory", "1") {
        RESCUE_DELAY = rescueDelay;
        ESCROW_SRC_IMPLEMENTATION = address(new EscrowSrc(rescueDelay));
        ESCROW_DST_IMPLEMENTATION = address(new EscrowDst(rescueDelay));
    }

    // ---------------------------------------------------------------- source side

    /// @notice Fills `order` as taker (= msg.sender), promising `dstAmount` of the taker asset on the
    /// destination chain. msg.value must be exactly the order's source safety deposit.
    function createSrcEscrow(Order calldata order, bytes calldata signature, uint256 dstAmount)
        external
        payable
        nonReentrant
        returns (address escrow)
    {
        bytes32 orderHash = _checkFill(order, signature, dstAmount);
        filled[orderHash] = true;

        Immutables memory imm = Immutables({
            orderHash: orderHash,
            hashlock: order.hashlock,
            maker: order.maker,
            taker: msg.sender,
            token: order.makerAsset,
            amount: order.makingAmount,
            safetyDeposit: msg.value,
            timelocks: TimelocksLib.pack(order.timelocks, block.timestamp)
        });
        bytes32 salt = keccak256(abi.encode(imm));

        if (order.makerAsset == address(0)) {
            uint256 balance = nativeBalance[order.maker];
            if (balance < order.makingAmount) revert InsufficientNativeBalance(balance, order.makingAmount);
            nativeBalance[order.maker] = balance - order.makingAmount;
            escrow = Clones.cloneDeterministic(ESCROW_SRC_IMPLEMENTATION, salt, msg.value + order.makingAmount);
        } else {
            escrow = Clones.cloneDeterministic(ESCROW_SRC_IMPLEMENTATION, salt, msg.value);
            _pullExact(order.makerAsset, order.maker, escrow, order.makingAmount);
        }

        emit SrcEscrowCreated(
            orderHash,
            escrow,
            msg.sender,
            imm,
            DstComplement({
                chain: order.dstChain,
                receiver: order.receiver,
                asset: order.takerAsset,
                amount: dstAmount,
                safetyDeposit: order.dstSafetyDeposit
            })
        );
    }

    /// @notice The maker invalidates every order carrying `nonce` (an on-chain cancellation).
    function invalidateNonce(uint256 nonce) external {
        isNonceInvalidated[msg.sender][nonce] = true;
        emit NonceInvalidated(msg.sender, nonce);
    }

    function depositNative() external payable {
        if (msg.value == 0) revert InvalidAmount();
        nativeBalance[msg.sender] += msg.value;
        emit NativeDeposited(msg.sender, msg.value);
    }

    function withdrawNative(uint256 amount) external nonReentrant {
        uint256 balance = nativeBalance[msg.sender];
        if (amount == 0) revert InvalidAmount();
        if (balance < amount) revert InsufficientNativeBalance(balance, amount);
        nativeBalance[msg.sender] = balance - amount;
        Address.sendValue(payable(msg.sender), amount);
        emit NativeWithdrawn(msg.sender, amount);
    }

    // ---------------------------------------------------------------- destination side

    /// @notice Funds a destination escrow paying `immutables.receiver`. Taker = msg.sender. For native
    /// ETH msg.value = amount + safetyDeposit; for a token msg.value = safetyDeposit and the amount is pulled.
    function createDstEscrow(DstImmutables calldata immutables) external payable nonReentrant returns (address escrow) {
        if (immutables.taker != msg.sender) revert InvalidCaller();
        if (immutables.amount == 0) revert InvalidAmount();
        if (immutables.receiver == address(0)) revert InvalidReceiver();
        // An escrow that is already cancellable would protect nobody.
        if (
            !(immutables.withdrawalAt < immutables.publicWithdrawalAt
                    && immutables.publicWithdrawalAt < immutables.cancellationAt)
                || immutables.cancellationAt <= block.timestamp
        ) revert InvalidTimelocks();

        bytes32 salt = keccak256(abi.encode(immutables));
        if (immutables.token == address(0)) {
            if (msg.value != immutables.amount + immutables.safetyDeposit) revert InvalidMsgValue();
            escrow = Clones.cloneDeterministic(ESCROW_DST_IMPLEMENTATION, salt, msg.value);
        } else {
            if (msg.value != immutables.safetyDeposit) revert InvalidMsgValue();
            escrow = Clones.cloneDeterministic(ESCROW_DST_IMPLEMENTATION, salt, msg.value);
            _pullExact(immutables.token, msg.sender, escrow, immutables.amount);
        }
        emit DstEscrowCreated(immutables.orderHash, escrow, msg.sender, immutables);
    }

    // ---------------------------------------------------------------- views

    /// @notice The EIP-712 digest the maker signs: equals orderHash() of src/domain/eip712.ts.
    function hashOrder(Order calldata order) public view returns (bytes32) {
        return _hashTypedDataV4(OrderHashLib.hashStruct(order));
    }

    /// @notice The auction price at unix second `t` (the same function createSrcEscrow applies).
    function auctionAmount(Auction calldata auction, uint256 t) external pure returns (uint256) {
        return AuctionLib.amountAt(auction, t);
    }

    function addressOfEscrowSrc(Immutables calldata immutables) external view returns (address) {
        return Clones.predictDeterministicAddress(ESCROW_SRC_IMPLEMENTATION, keccak256(abi.encode(immutables)));
    }

    function addressOfEscrowDst(DstImmutables calldata immutables) external view returns (address) {
        return Clones.predictDeterministicAddress(ESCROW_DST_IMPLEMENTATION, keccak256(abi.encode(immutables)));
    }

    // ---------------------------------------------------------------- internals

    /// @dev Every check of a source fill that needs no state change; returns the order hash.
    function _checkFill(Order calldata order, bytes calldata signature, uint256 dstAmount)
        private
        view
        returns (bytes32 orderHash)
    {
        if (block.timestamp > order.expiry) revert OrderExpired();
        if (isNonceInvalidated[order.maker][order.nonce]) revert InvalidatedNonce();
        if (order.makingAmount == 0) revert InvalidAmount();
        if (!TimelocksLib.isOrdered(order.timelocks)) revert InvalidTimelocks();
        // The taker may rescue a source escrow's funds from deployedAt + RESCUE_DELAY: every stage (the
        // ordered ones end with srcPublicCancellation) must open strictly before, or the taker could take
        // the maker's tokens before the cancellations open.
        if (order.timelocks.srcPublicCancellation >= RESCUE_DELAY) {
            revert TimelocksBeyondRescueDelay(order.timelocks.srcPublicCancellation, RESCUE_DELAY);
        }
        if (!AuctionLib.isValid(order.auction)) revert InvalidAuction();
        uint256 price = AuctionLib.amountAt(order.auction, block.timestamp);
        if (dstAmount < price) revert InsufficientDstAmount(price, dstAmount);
        if (msg.value != order.srcSafetyDeposit) revert InvalidMsgValue();

        orderHash = hashOrder(order);
        if (filled[orderHash]) revert OrderAlreadyFilled();
        // ECDSA for EOAs, ERC-1271 for contract makers.
        if (!SignatureChecker.isValidSignatureNowCalldata(order.maker, orderHash, signature)) {
            revert InvalidSignature();
        }
    }

    /// @dev Pulls exactly `amount`; tokens that deliver less (fee-on-transfer) are refused.
    function _pullExact(address token, address from, address to, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(to);
        IERC20(token).safeTransferFrom(from, to, amount);
        uint256 afterwards = IERC20(token).balanceOf(to);
        uint256 received = afterwards > before ? afterwards - before : 0;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }
}
