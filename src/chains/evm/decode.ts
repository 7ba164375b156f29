/**
 * Logs → typed chain events (src/chains/events.ts). Pure: the caller supplies the block time
 * and, for logs emitted by escrow clones, which escrow (order, side) the emitter is.
 */
import { decodeEventLog, getAddress, type Hex as ViemHex } from 'viem';
import type { Hex } from '../../domain/order.js';
import type { ChainEvent, ChainEventMeta, EscrowSide } from '../events.js';
import { escrowEventsAbi, factoryEventsAbi, ESCROW_TOPICS, FACTORY_TOPICS } from './abi.js';
import { srcDeadlines, unpackTimelocks } from '../../domain/timelocks.js';

/** The fields of an eth_getLogs entry the monitor uses (a subset of viem's `Log`). */
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

/** What the monitor knows about an escrow clone: created by the factory, for this order and side. */
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
 * stall the monitor; settlement's verification then rejects it as not matching the order.
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
  const decoded = decodeEventLog({ abi: factoryEventsAbi, data: log.data, topics: log.topics as [ViemHex, ...ViemHex[]] });
  switch (decoded.eventName) {
    case 'SrcEscrowCreated': {
      const { orderHash, escrow, taker, immutables: im, dst } = decoded.args;
      const { timelocks, deployedAt } = unpackTimelocks(im.timelocks);
      const escrowAddr = getAddress(escrow);
      return {
        event: {
          ...meta,
          type: 'escrow_created',
          side: 'src',
          escrow: escrowAddr,
          orderHash,
          hashlock: im.hashlock,
          maker: getAddress(im.maker),
          taker: getAddress(taker),
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
    case 'DstEscrowCreated': {
      const { orderHash, escrow, taker, immutables: im } = decoded.args;
      const escrowAddr = getAddress(escrow);
      return {
        event: {
          ...meta,
          type: 'escrow_created',
          side: 'dst',
          escrow: escrowAddr,
          orderHash,
          hashlock: im.hashlock,
          maker: getAddress(im.receiver),
          taker: getAddress(taker),
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
    case 'NonceInvalidated': {
      const { maker, nonce } = decoded.args;
      return { event: { ...meta, type: 'order_invalidated', maker: getAddress(maker), nonce } };
    }
  }
}

/** Decodes a log emitted by an escrow clone the factory created (`ref`). */
export function decodeEscrowLog(chain: string, log: RawLog, blockTime: number, ref: EscrowRef): ChainEvent {
  const meta = logMeta(chain, log, blockTime);
  const decoded = decodeEventLog({ abi: escrowEventsAbi, data: log.data, topics: log.topics as [ViemHex, ...ViemHex[]] });
  const escrow = getAddress(log.address);
  switch (decoded.eventName) {
    case 'EscrowWithdrawal':
      return {
        ...meta,
        type: 'escrow_withdrawn',
        side: ref.side,
        escrow,
        orderHash: ref.orderHash,
        secret: decoded.args.secret,
        public: decoded.args.isPublic,
        to: getAddress(decoded.args.to),
      };
    case 'EscrowCancelled':
      return {
        ...meta,
        type: 'escrow_cancelled',
        side: ref.side,
        escrow,
        orderHash: ref.orderHash,
        public: decoded.args.isPublic,
        to: getAddress(decoded.args.to),
      };
    case 'FundsRescued':
      return {
        ...meta,
        type: 'funds_rescued',
        escrow,
        orderHash: ref.orderHash,
        token: getAddress(decoded.args.token),
        amount: decoded.args.amount,
      };
  }
}
