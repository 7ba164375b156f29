/**
 * The Cardano escrow decoder: one block's transactions → chain events (a `ChainDecoder` for the
 * follower). Outputs at the escrow script address become `escrow_created`; inputs spending a known
 * escrow with an escrow redeemer become `escrow_withdrawn` / `escrow_cancelled`. A transaction's
 * inputs carry only output references, so the escrow a spend consumes is found in a cache of
 * escrows seen created, else in the store (`eventById` of its creation event).
 */
import type { ChainEvent, EscrowCreatedEvent } from '../events.js';
import type { ChainDecoder, ChainStateStore, Decoded, IgnoredItem } from '../ports.js';
import { escrowRef, scanCreated, spendCandidates, spendEvent, type BlockInfo, type DecodeConfig } from './decode.js';
import type { CardanoBlock } from './source.js';

const ESCROW_CACHE_LIMIT = 100_000;

export class CardanoEscrowDecoder implements ChainDecoder<CardanoBlock> {
  /** Escrow outputs seen created (ref → event), so a spend needs no store lookup. */
  private readonly escrows = new Map<string, EscrowCreatedEvent>();

  constructor(
    private readonly cfg: DecodeConfig,
    private readonly store: Pick<ChainStateStore, 'eventById'>,
  ) {}

  async decode(block: CardanoBlock): Promise<Decoded> {
    const info: BlockInfo = { height: block.height, hash: block.hash, time: block.time };
    const events: ChainEvent[] = [];
    const ignored: IgnoredItem[] = [];
    for (const tx of block.transactions) {
      for (const c of spendCandidates(tx)) {
        const created = await this.createdEscrow(c.ref);
        if (!created) continue; // not one of ours (another script's input)
        const r = spendEvent(c, created, tx, info, this.cfg);
        if (!r.ok) {
          ignored.push({
            reason: r.reason,
            log: { level: 'error', msg: 'escrow spent with a secret that does not match its hashlock', fields: { escrow: c.ref, tx: tx.id } },
          });
          continue;
        }
        events.push(r.event);
        this.escrows.delete(c.ref);
      }
      const scan = scanCreated(tx, info, this.cfg);
      for (const e of scan.events) {
        events.push(e);
        this.remember(e);
      }
      for (const i of scan.ignored) {
        ignored.push({
          reason: i.reason,
          log: { level: 'warn', msg: 'output at the escrow address ignored', fields: { output: i.ref, detail: i.detail } },
        });
      }
    }
    return { events, ignored };
  }

  private async createdEscrow(ref: string): Promise<EscrowCreatedEvent | null> {
    const cached = this.escrows.get(ref);
    if (cached) return cached;
    const [txId, index] = ref.split('#') as [string, string];
    const stored = await this.store.eventById(this.cfg.chain, `${this.cfg.chain}:${txId}:${index}`);
    return stored?.type === 'escrow_created' && stored.escrow === escrowRef(txId, Number(index)) ? stored : null;
  }

  private remember(e: EscrowCreatedEvent): void {
    this.escrows.set(e.escrow, e);
    if (this.escrows.size > ESCROW_CACHE_LIMIT) {
      const oldest = this.escrows.keys().next().value;
      if (oldest !== undefined) this.escrows.delete(oldest);
    }
  }
}
