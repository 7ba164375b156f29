/**
 * The EVM escrow decoder: the logs of a block range → chain events (a `ChainDecoder` for the
 * follower). Only the factory's logs and logs of escrows the factory created count: anyone can
 * deploy a contract emitting look-alike logs. A creation registers its escrow before any later log
 * of the same range is judged; an unknown emitter (after a restart) is looked up on chain through
 * the `EscrowRegistry`.
 */
import { getAddress, type Address, type Hex } from 'viem';
import type { ChainEvent } from '../events.js';
import type { ChainDecoder, Decoded, IgnoredItem } from '../ports.js';
import { TOPIC } from './abi.js';
import { decodeEscrowLog, decodeFactoryLog, logKind, type EscrowRef } from './decode.js';
import type { EscrowRegistry } from './escrow-registry.js';
import { describeRpcError } from './rpc-errors.js';
import type { EvmLogBatch, TimedLog } from './source.js';

export class EvmEscrowDecoder implements ChainDecoder<EvmLogBatch> {
  private readonly factory: Address;

  constructor(
    private readonly chain: string,
    factory: Address,
    private readonly registry: EscrowRegistry,
  ) {
    this.factory = getAddress(factory);
  }

  async decode(batch: EvmLogBatch): Promise<Decoded> {
    const sorted = [...batch.logs].sort((a, b) =>
      a.blockNumber === b.blockNumber ? (a.logIndex ?? 0) - (b.logIndex ?? 0) : a.blockNumber < b.blockNumber ? -1 : 1,
    );
    const ignored: IgnoredItem[] = [];
    // Pass 1, in chain order: keep the factory's logs and logs of escrows it created.
    const relevant: { log: TimedLog; ref?: EscrowRef }[] = [];
    for (const log of sorted) {
      const kind = logKind(log, this.factory);
      if (kind === 'factory') {
        const topic0 = log.topics[0];
        if ((topic0 === TOPIC.SrcEscrowCreated || topic0 === TOPIC.DstEscrowCreated) && log.topics[1] && log.topics[2]) {
          this.registry.remember({
            escrow: getAddress(`0x${log.topics[2].slice(26)}`),
            orderHash: log.topics[1] as Hex,
            side: topic0 === TOPIC.SrcEscrowCreated ? 'src' : 'dst',
          });
        }
        relevant.push({ log });
      } else if (kind === 'escrow') {
        const ref = await this.registry.resolve(log.address, log.blockNumber);
        if (ref) relevant.push({ log, ref });
        else ignored.push({ reason: 'not_an_escrow' });
      } else {
        ignored.push({ reason: 'not_the_factory' });
      }
    }

    const events: ChainEvent[] = [];
    for (const { log, ref } of relevant) {
      try {
        events.push(ref ? decodeEscrowLog(this.chain, log, log.blockTime, ref) : decodeFactoryLog(this.chain, log, log.blockTime).event);
      } catch (err) {
        // Cannot come from our contracts; skipping beats stalling the follower on one log.
        ignored.push({
          reason: 'undecodable',
          log: { level: 'warn', msg: 'undecodable log skipped', fields: { txHash: log.transactionHash, err: describeRpcError(err) } },
        });
      }
    }
    return { events, ignored };
  }
}
