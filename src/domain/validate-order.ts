/**
 * Intake validation of an order (architecture §4), pure: `now` and the supported chains are inputs.
 * Returns every issue found; an empty list means the order may be accepted (the signature,
 * duplicates and balances are checked elsewhere).
 */
import { isAddress } from 'viem';
import type { Hex, Order } from './order.js';
import { validateAuction } from './auction.js';
import { validateTimelocks } from './timelocks.js';
import { isHex32 } from './hashlock.js';
import { cardanoAddressProblem, cardanoNetworkOf } from './cardano-address.js';
import { issue, isUint256, type DomainIssue } from './issues.js';

export type { DomainIssue, DomainIssueCode } from './issues.js';
export { DOMAIN_ISSUE_CODES } from './issues.js';

/** Furthest expiry accepted: 30 days ahead. Beyond that the order is most likely a unit mistake. */
export const MAX_EXPIRY_AHEAD_SECONDS = 30 * 86_400;

export interface SupportedChains {
  /**
   * EVM chain id (decimal string) → the escrow factory that verifies orders there, and its
   * RESCUE_DELAY (seconds after a source escrow's creation from which its taker may rescue
   * whatever it holds), when known.
   */
  evm: Record<string, { factory: Hex; rescueDelay?: number }>;
  /** Cardano chain ids, e.g. `['cardano:devnet']`. */
  cardano: string[];
}

export interface ValidateOrderContext {
  /** Unix seconds. */
  now: number;
  supportedChains: SupportedChains;
}

/** `"lovelace"`, or a 28-byte policy id plus an asset name of 0–32 bytes, lower-case hex. */
const CARDANO_UNIT = /^[0-9a-f]{56}(?:[0-9a-f]{2}){0,32}$/;

export function isCardanoAsset(s: unknown): s is string {
  return s === 'lovelace' || (typeof s === 'string' && CARDANO_UNIT.test(s));
}

/** An EVM address: 0x + 40 hex, either all one case or a valid EIP-55 checksum. */
export function isEvmAddress(s: unknown): s is Hex {
  return typeof s === 'string' && isAddress(s, { strict: true });
}

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function chainPairIssues(order: Order, chains: SupportedChains): DomainIssue[] {
  const srcEvm = typeof order.srcChain === 'string' && hasOwn(chains.evm, order.srcChain);
  const dstEvm = typeof order.dstChain === 'string' && hasOwn(chains.evm, order.dstChain);
  const srcCardano = chains.cardano.includes(order.srcChain);
  const dstCardano = chains.cardano.includes(order.dstChain);
  if (srcEvm && dstCardano) return [];
  const supported = `EVM ${Object.keys(chains.evm).join(', ') || '(none)'} → Cardano ${chains.cardano.join(', ') || '(none)'}`;
  let message: string;
  if (srcCardano && dstEvm) {
    message = 'Cardano-source orders are not accepted yet; only EVM → Cardano swaps are supported';
  } else if (!srcEvm && !srcCardano) {
    message = `source chain ${JSON.stringify(order.srcChain)} is not supported (supported: ${supported})`;
  } else if (!dstEvm && !dstCardano) {
    message = `destination chain ${JSON.stringify(order.dstChain)} is not supported (supported: ${supported})`;
  } else {
    message = `a swap must go from an EVM chain to a Cardano chain (supported: ${supported})`;
  }
  return [issue('UNSUPPORTED_CHAIN_PAIR', srcEvm ? 'dstChain' : 'srcChain', message)];
}

const CARDANO_ADDRESS_MESSAGES = {
  not_bech32: 'is not a bech32 string with a valid checksum',
  wrong_prefix: 'is not a Cardano payment address (addr1… or addr_test1…)',
  not_payment_address: 'is not a Shelley payment address (base, pointer or enterprise)',
  wrong_network: 'belongs to another Cardano network than the destination chain',
} as const;

function amountIssue(field: string, value: unknown, min: bigint): DomainIssue[] {
  if (isUint256(value) && value >= min) return [];
  return [issue('INVALID_AMOUNT', field, `${field} must be an integer in [${min}, 2^256)`)];
}

/**
 * The source escrow lets its taker rescue any funds from `deployedAt + rescueDelay`: every source
 * stage must open strictly before that, or a resolver could take the maker's tokens before any
 * cancellation returns them. The stages are ordered, so the last one decides.
 */
function rescueIssues(t: Order['timelocks'], rescueDelay: number): DomainIssue[] {
  if (t.srcPublicCancellation < rescueDelay) return [];
  return [
    issue(
      'TIMELOCKS_EXCEED_RESCUE_DELAY',
      'timelocks.srcPublicCancellation',
      `srcPublicCancellation must be < ${rescueDelay} s, the source escrow's rescue delay: from then its taker may rescue the maker's funds`,
    ),
  ];
}

export function validateOrder(order: Order, ctx: ValidateOrderContext): DomainIssue[] {
  const out: DomainIssue[] = [];
  const pairIssues = chainPairIssues(order, ctx.supportedChains);
  out.push(...pairIssues);

  if (!isEvmAddress(order.maker) || /^0x0{40}$/i.test(order.maker)) {
    out.push(issue('INVALID_ADDRESS', 'maker', 'maker must be a non-zero EVM address (0x + 40 hex, valid EIP-55 checksum if mixed case)'));
  }
  if (!isEvmAddress(order.makerAsset)) {
    out.push(issue('INVALID_ADDRESS', 'makerAsset', 'makerAsset must be an EVM token address (zero address for native ETH)'));
  }
  // The receiver's network is known only for a supported Cardano destination. A configured
  // Cardano chain other than the four of architecture §3 is a test network: only mainnet has network id 1.
  const network = pairIssues.length === 0 ? (cardanoNetworkOf(order.dstChain) ?? 'testnet') : null;
  if (typeof order.receiver !== 'string') {
    out.push(issue('INVALID_ADDRESS', 'receiver', 'receiver must be a Cardano bech32 address'));
  } else if (network !== null) {
    const problem = cardanoAddressProblem(order.receiver, network);
    if (problem !== null) {
      out.push(issue('INVALID_ADDRESS', 'receiver', `receiver ${CARDANO_ADDRESS_MESSAGES[problem]} (${order.dstChain})`));
    }
  }
  if (!isCardanoAsset(order.takerAsset)) {
    out.push(
      issue('INVALID_ASSET', 'takerAsset', 'takerAsset must be "lovelace" or a 56-hex policy id followed by up to 64 hex of asset name, lower case'),
    );
  }

  out.push(...amountIssue('makingAmount', order.makingAmount, 1n));
  out.push(...amountIssue('srcSafetyDeposit', order.srcSafetyDeposit, 0n));
  out.push(...amountIssue('dstSafetyDeposit', order.dstSafetyDeposit, 0n));
  if (!isUint256(order.nonce)) out.push(issue('INVALID_FIELD', 'nonce', 'nonce must be an integer in [0, 2^256)'));
  if (!isUint256(order.salt)) out.push(issue('INVALID_FIELD', 'salt', 'salt must be an integer in [0, 2^256)'));

  if (!Number.isSafeInteger(order.expiry)) {
    out.push(issue('INVALID_FIELD', 'expiry', 'expiry must be an integer (unix seconds)'));
  } else if (order.expiry <= ctx.now) {
    out.push(issue('ORDER_EXPIRED', 'expiry', 'expiry is not in the future'));
  } else if (order.expiry > ctx.now + MAX_EXPIRY_AHEAD_SECONDS) {
    out.push(issue('EXPIRY_TOO_FAR', 'expiry', `expiry may be at most ${MAX_EXPIRY_AHEAD_SECONDS} s (30 days) ahead`));
  }

  if (typeof order.auction !== 'object' || order.auction === null) {
    out.push(issue('INVALID_AUCTION', 'auction', 'auction is required'));
  } else {
    out.push(...validateAuction(order.auction));
    if (Number.isSafeInteger(order.expiry) && Number.isSafeInteger(order.auction.startTime) && order.auction.startTime > order.expiry) {
      out.push(issue('INVALID_AUCTION', 'auction.startTime', 'the auction must start at or before the order expiry'));
    }
  }
  if (typeof order.timelocks !== 'object' || order.timelocks === null) {
    out.push(issue('INVALID_TIMELOCKS', 'timelocks', 'timelocks are required'));
  } else {
    const timelockIssues = validateTimelocks(order.timelocks);
    out.push(...timelockIssues);
    const rescueDelay = pairIssues.length === 0 ? ctx.supportedChains.evm[order.srcChain]?.rescueDelay : undefined;
    if (timelockIssues.length === 0 && rescueDelay !== undefined) out.push(...rescueIssues(order.timelocks, rescueDelay));
  }
  if (!isHex32(order.hashlock)) {
    out.push(issue('INVALID_HASHLOCK', 'hashlock', 'hashlock must be 0x followed by 64 hex digits (keccak256 of the secret)'));
  }
  return out;
}
