/**
 * GET /api/public-actions over HTTP on Postgres: the list a resolver polls, judged from the same
 * stored chain events the coordinator reads; API-key only, because a withdrawal carries the secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscrowCreatedEvent } from '../../src/chains/events.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex } from '../../src/domain/order.js';
import { packTimelocks, srcDeadlines } from '../../src/domain/timelocks.js';
import { PublicActionsReader } from '../../src/settlement/public-actions-reader.js';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { SettlementRepository } from '../../src/store/settlement-repo.js';
import { DEPLOYED, RECEIVER, testOrder } from '../settlement/support.js';
import { json, startHarness, type Harness } from './support.js';

const KEY = 'resolver-key-for-public-actions';
let h: Harness;
let reader: PublicActionsReader;
let now = DEPLOYED;

beforeAll(async () => {
  h = await startHarness({ env: { API_KEYS: KEY }, publicActions: { list: () => reader.list() } });
  const db = h.pg.database.db;
  const chainState = new ChainStateRepository(db);
  reader = new PublicActionsReader({
    store: new SettlementRepository(db, chainState, h.escrows),
    orders: h.repo,
    clock: () => now,
    toleranceSeconds: 20,
  });

  // An order whose resolver filled the source and then vanished: invalid_fill, source still locked.
  const hash = `0x${'cd'.repeat(32)}` as Hex;
  const order = testOrder({ hashlock: hashlockOf(`0x${'11'.repeat(32)}`) });
  expect(await h.repo.insert({ orderHash: hash, order, signature: '0x00', lockedOutput: null, event: { type: 'created' } })).toBe('inserted');
  const src: EscrowCreatedEvent = {
    id: '31337:0xfill:0', chain: '31337', txHash: '0xfill', index: 0, blockNumber: 5n, blockHash: '0xb5', blockTime: DEPLOYED,
    type: 'escrow_created', side: 'src', escrow: '0x2222222222222222222222222222222222222222', orderHash: hash, hashlock: order.hashlock,
    maker: order.maker, taker: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', token: order.makerAsset, amount: order.makingAmount,
    safetyDeposit: 1000n, deployedAt: DEPLOYED, deadlines: srcDeadlines(order.timelocks, DEPLOYED),
    dst: { chain: 'cardano:devnet', receiver: RECEIVER, asset: 'lovelace', amount: 4_900_000n, safetyDeposit: 2_000_000n },
  };
  await chainState.apply({ chain: src.chain, cursor: { height: 5n, hash: '0xb5' }, observed: [src], finalized: [src.id] });
  expect(await h.repo.transition(hash, ['active'], 'src_escrowed', { type: 'src_escrow_seen' })).not.toBeNull();
  expect(await h.repo.transition(hash, ['src_escrowed'], 'invalid_fill', { type: 'dst_escrow_invalid' })).not.toBeNull();
  now = DEPLOYED + order.timelocks.srcPublicCancellation;
});
afterAll(async () => h?.close());

const get = (headers: Record<string, string | undefined> = {}) => h.app.inject({ method: 'GET', url: '/api/public-actions', headers });

describe('GET /api/public-actions', () => {
  it('refuses a request without a configured key, and never echoes the key', async () => {
    for (const headers of [{}, { 'x-api-key': 'wrong-key-but-long-enough' }, { authorization: 'Bearer wrong-key-but-long-enough' }]) {
      const res = await get(headers);
      expect(res.statusCode).toBe(401);
      expect(json(res).error.code).toBe('UNAUTHORIZED');
      expect(res.body).not.toContain('wrong-key');
    }
  });

  it('lists the due public cancellation with the immutables the escrow takes', async () => {
    const order = testOrder({ hashlock: hashlockOf(`0x${'11'.repeat(32)}`) });
    for (const headers of [{ 'x-api-key': KEY }, { authorization: `Bearer ${KEY}` }]) {
      const res = await get(headers);
      expect(res.statusCode).toBe(200);
      expect(json(res).items).toEqual([
        {
          orderHash: `0x${'cd'.repeat(32)}`, chain: '31337', side: 'src', action: 'cancel', escrow: '0x2222222222222222222222222222222222222222',
          opensAt: DEPLOYED + order.timelocks.srcPublicCancellation, closesAt: null,
          immutables: {
            orderHash: `0x${'cd'.repeat(32)}`, hashlock: order.hashlock, maker: order.maker, taker: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
            token: order.makerAsset, amount: order.makingAmount.toString(), safetyDeposit: '1000', timelocks: packTimelocks(order.timelocks, DEPLOYED).toString(),
          },
        },
      ]);
    }
  });

  it('lists nothing before the window opens', async () => {
    const saved = now;
    now = DEPLOYED + 10;
    try {
      expect(json(await get({ 'x-api-key': KEY })).items).toEqual([]);
    } finally {
      now = saved;
    }
  });
});
