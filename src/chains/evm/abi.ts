/**
 * The event and view ABIs the EVM side of the relayer reads. The event signatures are fixed
 * by the protocol (the factory and the escrow clones emit exactly these), so they live here
 * rather than being imported from build artifacts: the follower must keep decoding the same
 * logs whatever else changes in the contracts.
 */
import { parseAbi, parseAbiParameters, toEventSelector } from 'viem';

const IMMUTABLES =
  '(bytes32 orderHash, bytes32 hashlock, address maker, address taker, address token, uint256 amount, uint256 safetyDeposit, uint256 timelocks)';
const DST_COMPLEMENT = '(string chain, string receiver, string asset, uint256 amount, uint256 safetyDeposit)';
const DST_IMMUTABLES =
  '(bytes32 orderHash, bytes32 hashlock, address receiver, address taker, address token, uint256 amount, uint256 safetyDeposit, uint256 withdrawalAt, uint256 publicWithdrawalAt, uint256 cancellationAt)';

/** Emitted by the escrow factory. */
export const factoryEventsAbi = parseAbi([
  `event SrcEscrowCreated(bytes32 indexed orderHash, address indexed escrow, address indexed taker, ${IMMUTABLES} immutables, ${DST_COMPLEMENT} dst)`,
  `event DstEscrowCreated(bytes32 indexed orderHash, address indexed escrow, address indexed taker, ${DST_IMMUTABLES} immutables)`,
  'event NonceInvalidated(address indexed maker, uint256 nonce)',
]);

/** Emitted by the escrow clones the factory creates. */
export const escrowEventsAbi = parseAbi([
  'event EscrowWithdrawal(bytes32 secret, address indexed to, bool isPublic)',
  'event EscrowCancelled(address indexed to, bool isPublic)',
  'event FundsRescued(address token, uint256 amount)',
]);

export const monitoredEventsAbi = [...factoryEventsAbi, ...escrowEventsAbi] as const;

function selectorOf(name: string): `0x${string}` {
  const item = monitoredEventsAbi.find((e) => e.name === name);
  if (!item) throw new Error(`unknown event ${name}`);
  return toEventSelector(item);
}

export const TOPIC = {
  SrcEscrowCreated: selectorOf('SrcEscrowCreated'),
  DstEscrowCreated: selectorOf('DstEscrowCreated'),
  NonceInvalidated: selectorOf('NonceInvalidated'),
  EscrowWithdrawal: selectorOf('EscrowWithdrawal'),
  EscrowCancelled: selectorOf('EscrowCancelled'),
  FundsRescued: selectorOf('FundsRescued'),
} as const;

export const FACTORY_TOPICS = [TOPIC.SrcEscrowCreated, TOPIC.DstEscrowCreated, TOPIC.NonceInvalidated];
export const ESCROW_TOPICS = [TOPIC.EscrowWithdrawal, TOPIC.EscrowCancelled, TOPIC.FundsRescued];
export const ALL_TOPICS = [...FACTORY_TOPICS, ...ESCROW_TOPICS];

/**
 * The non-indexed parameters (the log's data) of each event. The decoder uses these directly
 * instead of viem's decodeEventLog, which re-hashes every ABI item's signature on each call
 * (~0.7 ms per log here; this way the decode is a fraction of that — see bench/evm-logscan.ts).
 */
export const EVENT_DATA = {
  SrcEscrowCreated: parseAbiParameters(`${IMMUTABLES} immutables, ${DST_COMPLEMENT} dst`),
  DstEscrowCreated: parseAbiParameters(`${DST_IMMUTABLES} immutables`),
  NonceInvalidated: parseAbiParameters('uint256 nonce'),
  EscrowWithdrawal: parseAbiParameters('bytes32 secret, bool isPublic'),
  EscrowCancelled: parseAbiParameters('bool isPublic'),
  FundsRescued: parseAbiParameters('address token, uint256 amount'),
} as const;

export const erc20ReadAbi = parseAbi([
  'function balanceOf(address owner) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
]);

/** The factory's ledger of native coin makers deposited to sell (native-ETH source orders). */
export const factoryNativeBalanceAbi = parseAbi(['function nativeBalance(address maker) view returns (uint256)']);

/** The factory's rescue delay: seconds after an escrow's creation from which its taker may rescue funds. */
export const factoryRescueDelayAbi = parseAbi(['function RESCUE_DELAY() view returns (uint256)']);
