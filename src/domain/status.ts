/** Order statuses of the swap state machine, architecture §7. */
export const ORDER_STATUSES = [
  'active',
  'src_escrowed',
  'escrowed',
  'ready_for_secret',
  'secret_revealed',
  'executed',
  'expired',
  'cancelled',
  'invalid_fill',
  'refunding',
  'refunded',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export function isOrderStatus(s: string): s is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(s);
}
