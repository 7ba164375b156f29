/**
 * Logs → typed chain events (src/chains/events.ts). Pure: the caller supplies the block time
 * and, for logs emitted by escrow clones, which escrow (order, side) the emitter is.
 */
import { decodeAbiParameters, getAddress, type Hex as ViemHex } from 'viem';
import type { Hex } from '../../domain/order.js';
import type { ChainEvent, ChainEventMeta, EscrowSide } from '../events.js';
import { EVENT_DATA, ESCROW_TOPICS, FACTORY_TOPICS, TOPIC } from './abi.js';
import { srcDeadlines, unpackTimelocks } from '../../domain/timelocks.js';

/** The fields of an eth_getLogs entry the EVM source and decoder use (a subset of viem's `Log`). */
export interface RawLog {
  address: string;
  topics: readonly ViemHex[] | [];
  data: ViemHex;
  blockNumber: bigint | null;
  blockHash: ViemHex | null;
  transactionHash: ViemHex | null;
  logIndex: number | null;
  blockTimestamp?: bigint | null | undefined;
}

/** What the decoder knows about an escrow clone: created by the factory, for this order and side. */
export interface EscrowRef {
  escrow: string;
  orderHash: Hex;
  side: EscrowSide;
}

export type LogKind = 'factory' | 'escrow' | 'other';

/**
 * Factory events count only from the factory; escrow events only from an address the factory
 * created (checked by the caller): anyone can deploy a contract emitting look-alike logs.
 */
export function logKind(log: RawLog, factory: string): LogKind {
  const topic0 = log.topics[0];
  if (!topic0) return 'other';
  if (FACTORY_TOPICS.includes(topic0)) return log.address.toLowerCase() === factory.toLowerCase() ? 'factory' : 'other';
  if (ESCROW_TOPICS.includes(topic0)) return 'escrow';
  return 'other';
}

export function logMeta(chain: string, log: RawLog, blockTime: number): ChainEventMeta {
  if (log.blockNumber === null || log.blockHash === null || log.transactionHash === null || log.logIndex === null) {
    throw new Error('pending log (no block) cannot become a chain event');
  }
  return {
    id: `${chain}:${log.transactionHash}:${log.logIndex}`,
    chain,
    txHash: log.transactionHash,
    index: log.logIndex,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    blockTime,
  };
}

/**
 * Contract timestamps are uint256; a resolver can put anything into a destination escrow's
 * deadlines. A value past Number.MAX_SAFE_INTEGER is clamped ("never"), so one odd log cannot
 * stall the follower; settlement's verification then rejects it as not matching the order.
 */
function toSeconds(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Decodes a log emitted by the factory. Returns the event and, for creations, the escrow it registers. */
export function decodeFactoryLog(
  chain: string,
  log: RawLog,
  blockTime: number,
): { event: ChainEvent; created?: EscrowRef } {
  const meta = logMeta(chain, log, blockTime);
  switch (log.topics[0]) {
    case TOPIC.SrcEscrowCreated: {
      const [orderHash, escrow, taker] = indexed(log, 3);
      const [im, dst] = decodeAbiParameters(EVENT_DATA.SrcEscrowCreated, log.data);
      const { timelocks, deployedAt } = unpackTimelocks(im.timelocks);
      const escrowAddr = topicAddress(escrow);
      return {
        event: {
          ...meta,
          type: 'escrow_created',
          side: 'src',
          escrow: escrowAddr,
          orderHash,
          hashlock: im.hashlock,
          maker: getAddress(im.maker),
          taker: topicAddress(taker),
          token: getAddress(im.token),
          amount: im.amount,
          safetyDeposit: im.safetyDeposit,
          deployedAt,
          deadlines: srcDeadlines(timelocks, deployedAt),
          dst: {
            chain: dst.chain,
            receiver: dst.receiver,
            asset: dst.asset,
            amount: dst.amount,
            safetyDeposit: dst.safetyDeposit,
          },
        },
        created: { escrow: escrowAddr, orderHash, side: 'src' },
      };
    }
    case TOPIC.DstEscrowCreated: {
      const [orderHash, escrow, taker] = indexed(log, 3);
      const [im] = decodeAbiParameters(EVENT_DATA.DstEscrowCreated, log.data);
      const escrowAddr = topicAddress(escrow);
      return {
        event: {
          ...meta,
          type: 'escrow_created',
          side: 'dst',
          escrow: escrowAddr,
          orderHash,
          hashlock: im.hashlock,
          maker: getAddress(im.receiver),
          taker: topicAddress(taker),
          token: getAddress(im.token),
          amount: im.amount,
          safetyDeposit: im.safetyDeposit,
          deployedAt: blockTime,
          deadlines: {
            withdrawal: toSeconds(im.withdrawalAt),
            publicWithdrawal: toSeconds(im.publicWithdrawalAt),
            cancellation: toSeconds(im.cancellationAt),
          },
        },
        created: { escrow: escrowAddr, orderHash, side: 'dst' },
      };
    }
    case TOPIC.NonceInvalidated: {
      const [maker] = indexed(log, 1);
      const [nonce] = decodeAbiParameters(EVENT_DATA.NonceInvalidated, log.data);
      return { event: { ...meta, type: 'order_invalidated', maker: topicAddress(maker), nonce } };
    }
    default:
      throw new Error(`not a factory event: ${log.topics[0] ?? 'no topic'}`);
  }
}

/** Decodes a log emitted by an escrow clone the factory created (`ref`). */
export function decodeEscrowLog(chain: string, log: RawLog, blockTime: number, ref: EscrowRef): ChainEvent {
  const meta = logMeta(chain, log, blockTime);
  const escrow = getAddress(log.address);
  switch (log.topics[0]) {
    case TOPIC.EscrowWithdrawal: {
      const [to] = indexed(log, 1);
      const [secret, isPublic] = decodeAbiParameters(EVENT_DATA.EscrowWithdrawal, log.data);
      return { ...meta, type: 'escrow_withdrawn', side: ref.side, escrow, orderHash: ref.orderHash, secret, public: isPublic, to: topicAddress(to) };
    }
    case TOPIC.EscrowCancelled: {
      const [to] = indexed(log, 1);
      const [isPublic] = decodeAbiParameters(EVENT_DATA.EscrowCancelled, log.data);
      return { ...meta, type: 'escrow_cancelled', side: ref.side, escrow, orderHash: ref.orderHash, public: isPublic, to: topicAddress(to) };
    }
    case TOPIC.FundsRescued: {
      indexed(log, 0);
      const [token, amount] = decodeAbiParameters(EVENT_DATA.FundsRescued, log.data);
      return { ...meta, type: 'funds_rescued', escrow, orderHash: ref.orderHash, token: getAddress(token), amount };
    }
    default:
      throw new Error(`not an escrow event: ${log.topics[0] ?? 'no topic'}`);
  }
}

/** The indexed topics after topic0; a log with another count is not the event it claims to be. */
function indexed(log: RawLog, count: 3): [Hex, Hex, Hex];
function indexed(log: RawLog, count: 1): [Hex];
function indexed(log: RawLog, count: 0): [];
function indexed(log: RawLog, count: number): Hex[] {
  if (log.topics.length !== count + 1) throw new Error(`expected ${count} indexed topics, got ${log.topics.length - 1}`);
  return log.topics.slice(1) as Hex[];
}

/** An address-typed indexed topic: the low 20 bytes of the 32-byte word, checksummed. */
function topicAddress(topic: Hex): string {
  if (!/^0x0{24}[0-9a-fA-F]{40}$/.test(topic)) throw new Error('indexed address topic is not a padded address');
  return getAddress(`0x${topic.slice(26)}`);
}
