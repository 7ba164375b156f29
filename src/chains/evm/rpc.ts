/**
 * Thin JSON-RPC helpers over a viem client. eth_getLogs is called raw (not viem's getLogs)
 * because the source needs a topic-OR filter without an address, and decides itself which
 * logs to decode: a log that fails decoding must be skipped, not silently reshaped.
 */
import { numberToHex, type Hex, type PublicClient } from 'viem';
import type { RawLog } from './decode.js';

export interface LogFilter {
  address?: string;
  topics: (Hex | Hex[] | null)[];
  fromBlock: bigint;
  toBlock: bigint;
}

interface RpcLog {
  address: string;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex | null;
  blockHash: Hex | null;
  transactionHash: Hex | null;
  logIndex: Hex | null;
  blockTimestamp?: Hex | null;
  removed?: boolean;
}

export async function getRawLogs(client: PublicClient, f: LogFilter): Promise<RawLog[]> {
  const params: Record<string, unknown> = {
    topics: f.topics,
    fromBlock: numberToHex(f.fromBlock),
    toBlock: numberToHex(f.toBlock),
  };
  if (f.address) params.address = f.address;
  const logs = (await client.request({ method: 'eth_getLogs', params: [params] } as never)) as RpcLog[];
  return logs
    .filter((l) => !l.removed)
    .map((l) => ({
      address: l.address,
      topics: l.topics,
      data: l.data,
      blockNumber: l.blockNumber === null ? null : BigInt(l.blockNumber),
      blockHash: l.blockHash,
      transactionHash: l.transactionHash,
      logIndex: l.logIndex === null ? null : Number(l.logIndex),
      blockTimestamp: l.blockTimestamp ? BigInt(l.blockTimestamp) : null,
    }));
}

export interface BlockHeader {
  number: bigint;
  hash: string;
  timestamp: number;
}

/** The node's block at a height, or null if the node has no such block (its head is lower). */
export async function getHeader(client: PublicClient, height: bigint): Promise<BlockHeader | null> {
  const b = (await client.request({
    method: 'eth_getBlockByNumber',
    params: [numberToHex(height), false],
  } as never)) as { number: Hex; hash: Hex; timestamp: Hex } | null;
  if (!b) return null;
  return { number: BigInt(b.number), hash: b.hash, timestamp: Number(BigInt(b.timestamp)) };
}
