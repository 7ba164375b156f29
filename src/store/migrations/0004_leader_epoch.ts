/**
 * Fencing of the leader's writes (issue 13): one row holding the leadership epoch. Each new
 * leader bumps it before its duties start; the monitors' and the coordinator's writes check,
 * inside their transaction, that it still holds the epoch they started under (src/store/fence.ts).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('leader_epoch')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into leader_epoch (name, epoch) values ('leader', 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('leader_epoch').ifExists().execute();
}
