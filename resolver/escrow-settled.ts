/** Whether anything is left to send to an escrow, as the relayer's monitors saw it. */
import type { EscrowRecord, RelayerClient } from '../client/http.js';

/** Withdrawn, cancelled or rescued: the funds left. (A reverted creation never held any.) */
const SETTLED: ReadonlySet<EscrowRecord['status']> = new Set(['withdrawn', 'cancelled', 'rescued']);

/**
 * True when the relayer recorded the escrow as settled: someone took a public window first, or
 * our own earlier transaction landed before a crash. Escrow ids are unique within an order.
 */
export async function escrowSettled(client: RelayerClient, orderHash: string, escrowId: string): Promise<boolean> {
  const { items } = await client.escrows({ orderHash });
  const record = items.find((e) => e.escrowId.toLowerCase() === escrowId.toLowerCase());
  return record !== undefined && SETTLED.has(record.status);
}
