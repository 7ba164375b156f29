/**
 * The worked examples of src/domain/README.md, checked against the code so the document a client
 * signs from cannot drift. Each example is the JSON block after a `<!-- worked-example:NAME -->` marker.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { auctionAmount, compileAuction, validateAuction } from '../../src/domain/auction.js';
import { ORDER_TYPES, orderHash, orderTypedData } from '../../src/domain/eip712.js';
import { encodeType } from '../../src/domain/eip712-encode.js';
import { hashlockOf, isSecretFor } from '../../src/domain/hashlock.js';
import { orderFromWire, type Hex, type WireOrder } from '../../src/domain/order.js';
import { verifyOrderSignature } from '../../src/domain/signature.js';
import { nextStatus, ORDER_EVENTS, TRANSITIONS } from '../../src/domain/state-machine.js';
import { packTimelocks, unpackTimelocks, validateTimelocks } from '../../src/domain/timelocks.js';
import { validateOrder } from '../../src/domain/validate-order.js';
import { DOMAIN_ISSUE_CODES } from '../../src/domain/issues.js';
import { ANVIL_ADDRESS_0, ANVIL_KEY_0 } from './support.js';

const readme = readFileSync(new URL('../../src/domain/README.md', import.meta.url), 'utf8');

function example<T>(name: string): T {
  const marker = `<!-- worked-example:${name} -->`;
  const at = readme.indexOf(marker);
  expect(at, `README has no ${marker}`).toBeGreaterThanOrEqual(0);
  const block = /```json\n([\s\S]*?)\n```/.exec(readme.slice(at));
  expect(block, `no json block after ${marker}`).not.toBeNull();
  return JSON.parse(block![1]!) as T;
}

describe('README worked example: order', () => {
  const ex = example<{ chainId: number; verifyingContract: Hex; secret: Hex; order: WireOrder; orderHash: Hex; signature: Hex }>('order');
  const order = orderFromWire(ex.order);

  it('is a valid order at its auction start', () => {
    const ctx = {
      now: order.auction.startTime,
      supportedChains: { evm: { [String(ex.chainId)]: { factory: ex.verifyingContract } }, cardano: [order.dstChain] },
    };
    expect(validateOrder(order, ctx)).toEqual([]);
  });

  it('has the stated hashlock of the stated secret', () => {
    expect(hashlockOf(ex.secret)).toBe(order.hashlock);
    expect(isSecretFor(ex.secret, order.hashlock)).toBe(true);
  });

  it('has the stated order hash', () => {
    expect(orderHash(order, ex.chainId, ex.verifyingContract)).toBe(ex.orderHash);
  });

  it('has the stated signature, by anvil’s first key, which verifies', async () => {
    const signature = await privateKeyToAccount(ANVIL_KEY_0).signTypedData(orderTypedData(order, ex.chainId, ex.verifyingContract));
    expect(signature).toBe(ex.signature);
    expect(order.maker).toBe(ANVIL_ADDRESS_0);
    expect(verifyOrderSignature(order, ex.signature, ex.chainId, ex.verifyingContract)).toBe(true);
    expect(readme).toContain(ANVIL_KEY_0);
  });

  it('prices 1,950 ADA at startTime + 60, as the prose says', () => {
    expect(auctionAmount(order.auction, order.auction.startTime + 60)).toBe(1_950_000_000n);
  });
});

describe('README: EIP-712 types', () => {
  it('shows the exact encodeType of Order', () => {
    expect(readme).toContain(`\n${encodeType('Order', ORDER_TYPES)}\n`);
  });

  it.each(['Order', 'Auction', 'AuctionPoint', 'Timelocks'] as const)('shows the type hash of %s', (t) => {
    expect(readme).toContain(`| \`${t}\` | \`${keccak256(toHex(encodeType(t, ORDER_TYPES)))}\` |`);
  });

  it('shows the EIP712Domain type hash', () => {
    const th = keccak256(toHex('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'));
    expect(readme).toContain(`| \`EIP712Domain\` | \`${th}\` |`);
  });
});

describe('README worked example: auction', () => {
  const ex = example<{
    auction: { startTime: number; duration: number; startAmount: string; endAmount: string; points: { offset: number; amount: string }[] };
    prices: { t: number; amount: string }[];
  }>('auction');
  const auction = {
    ...ex.auction,
    startAmount: BigInt(ex.auction.startAmount),
    endAmount: BigInt(ex.auction.endAmount),
    points: ex.auction.points.map((p) => ({ offset: p.offset, amount: BigInt(p.amount) })),
  };

  it('is valid', () => {
    expect(validateAuction(auction)).toEqual([]);
  });

  it.each(ex.prices)('at t = $t the price is $amount', ({ t, amount }) => {
    expect(auctionAmount(auction, t)).toBe(BigInt(amount));
    expect(compileAuction(auction)(t)).toBe(BigInt(amount));
  });
});

describe('README worked example: timelocks', () => {
  it('packs the example order’s timelocks to the stated word', () => {
    const { order } = example<{ order: WireOrder }>('order');
    const ex = example<{ deployedAt: number; packed: Hex }>('timelocks');
    expect(validateTimelocks(order.timelocks)).toEqual([]);
    expect(packTimelocks(order.timelocks, ex.deployedAt)).toBe(BigInt(ex.packed));
    expect(unpackTimelocks(BigInt(ex.packed))).toEqual({ timelocks: order.timelocks, deployedAt: ex.deployedAt });
  });
});

describe('README: state machine and error codes', () => {
  it('lists every transition of the table, and only those', () => {
    const rows = [...readme.matchAll(/^\| `([a-z_]+)`(?: \(reorg\))? \| ((?:`[a-z_]+`(?:, )?)+) \| `([a-z_]+)` \|$/gm)];
    expect(rows.map((r) => r[1]).sort()).toEqual([...ORDER_EVENTS].sort());
    for (const [, event, from, to] of rows) {
      const froms = [...from!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
      const row = TRANSITIONS[event as keyof typeof TRANSITIONS];
      expect([event, [...froms].sort()]).toEqual([event, [...row.from].sort()]);
      expect([event, to]).toEqual([event, row.to]);
      for (const f of row.from) expect(nextStatus(f, event as keyof typeof TRANSITIONS)).toBe(to);
    }
  });

  it('documents every issue code', () => {
    for (const code of DOMAIN_ISSUE_CODES) expect(readme).toContain(`| \`${code}\` |`);
  });
});
