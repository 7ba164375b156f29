/**
 * Tracing (issue 15): the W3C context of the request that submitted an order (traceparent and
 * the request id as baggage), so the coordinator's later transitions of that order join the
 * same trace and their log lines carry the same request id. Null for orders submitted without
 * one (and for every order older than this migration).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('trace_context', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').dropColumn('trace_context').execute();
}
