/**
 * The secret gate against attackers, end to end (issue 9): one relayer on anvil and the Cardano
 * devnet, real monitors, coordinator, HTTP API and WebSocket. The test plays the maker, an honest
 * resolver, a malicious resolver that builds its own destination escrows, and a third party that
 * locks and cancels look-alike escrows. For every refused fill the maker's secret must stay with
 * the maker: never shared on the `secrets` channel, its reveal refused, never in the timeline.
 *
 * Every scenario starts as soon as the chains are up and runs beside the others on the one relayer
 * (each waits mostly for its destination window to close); each test awaits its own scenario.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '@blaze-cardano/sdk';
import { keccak256, type Hex } from 'viem';
import type { WireOrder } from '../../client/http.js';
import { RelayerSocket, type ServerMessage } from '../../client/ws.js';
import type { SrcFill } from '../../resolver/evm.js';
import { orderHash as eip712OrderHash } from '../../src/domain/eip712.js';
import { orderFromWire } from '../../src/domain/order.js';
import { bech32ToPlutusAddress, escrowValue, LOVELACE, type EscrowDatum } from '../../cardano-tx/index.js';
import { CardanoActor, dstDatum, makeOrder, pollFor, serial, signedOrder, startE2e, statusOf, type E2e, type MadeOrder } from './support.js';

const API_KEY = 'e2e-adversarial-resolver-key-0123';
/** Smaller than the 30-day default, so intake must read the factory's own bound. */
const RESCUE_DELAY = 3600;
/** Lovelace; covers the min-UTxO of an escrow output that also holds a native token. */
const DST_DEPOSIT = 3_000_000n;
/** The destination window closes 60 s after the fill: a refused fill is declared invalid then. */
const SHORT: WireOrder['timelocks'] = {
  srcWithdrawal: 2,
  srcPublicWithdrawal: 200,
  srcCancellation: 300,
  srcPublicCancellation: 400,
  dstWithdrawal: 2,
  dstPublicWithdrawal: 60,
  dstCancellation: 250,
};
/** An honest swap with time to spare around the look-alike escrow's lock and cancel. */
const HONEST: WireOrder['timelocks'] = { ...SHORT, dstPublicWithdrawal: 150 };
/** Before the coordinator has judged the destination, an order is one of these. */
const UNDECIDED = ['active', 'src_escrowed', 'escrowed'];

let e2e: E2e;
/** The malicious resolver's Cardano key (also the minter of the devnet test token). */
let cheat: CardanoActor;
const actors: CardanoActor[] = [];
/** A native asset on the Cardano devnet (policy id + name hex), held by `cheat`. */
let token: string;
/** Every message of a WebSocket client authenticated with an API key and subscribed to `secrets`. */
const secretsFeed: ServerMessage[] = [];
let socket: RelayerSocket;
/** One EVM account fills and withdraws for every scenario: its transactions go one at a time. */
const evmTx = serial();
const scenarios = new Map<string, Promise<void>>();

beforeAll(async () => {
  // Ten scenarios poll one relayer side by side: its per-client rate limit is not under test here.
  e2e = await startE2e({ evm: { rescueDelay: RESCUE_DELAY }, env: { API_KEYS: API_KEY, RATE_LIMIT_MAX: '100000' } });
  const { ada } = e2e;
  cheat = await CardanoActor.connect(ada, ada.accounts[0]!);
  token = await cheat.mint('ADVERSARIAL', 10n ** 12n);

  socket = new RelayerSocket(e2e.relayer.wsUrl, { apiKey: API_KEY, onMessage: (m) => secretsFeed.push(m) });
  await socket.ready();
  socket.subscribe('secrets');
  await pollFor('subscribed to secrets', () => secretsFeed.some((m) => m.type === 'subscribed' && (m.data.channels as string[]).includes('secrets')), Boolean);
  expect(secretsFeed.some((m) => m.type === 'authenticated')).toBe(true);

  const launch = (name: string, run: () => Promise<void>) => {
    const p = run();
    p.catch(() => undefined); // reported by the test that awaits it, not as an unhandled rejection
    scenarios.set(name, p);
  };
  launch('inflated-lovelace', inflatedDatumLovelace);
  launch('inflated-token', inflatedDatumToken);
  launch('wrong-receiver', () => refusedFill({}, (d) => ({ datum: { ...d, withdrawTo: bech32ToPlutusAddress(cheat.address) } }), 'WRONG_RECEIVER'));
  launch('wrong-asset', () =>
    refusedFill({}, (d) => ({ datum: { ...d, asset: { policyId: token.slice(0, 56), assetName: token.slice(56) } } }), 'WRONG_ASSET'),
  );
  launch('wrong-hashlock', () =>
    refusedFill({}, (d) => ({ datum: { ...d, hashlock: keccak256(`0x${randomBytes(32).toString('hex')}`).slice(2) } }), 'HASHLOCK_MISMATCH'),
  );
  launch('short-deposit', () => refusedFill({}, (d) => ({ datum: { ...d, safetyDeposit: DST_DEPOSIT - 1n } }), 'SAFETY_DEPOSIT_TOO_LOW'));
  // Intake allows srcCancellation one second after dstCancellation; the escrow's cancellation is
  // 2 s late (within the one-block tolerance), so it opens after the source's.
  launch('dst-cancel-late', () =>
    refusedFill(
      { timelocks: { ...SHORT, srcCancellation: SHORT.dstCancellation + 1 } },
      (d) => ({ datum: { ...d, cancellationAt: d.cancellationAt + 2_000n } }),
      'DST_CANCELLATION_NOT_BEFORE_SRC',
    ),
  );
  launch('grief-escrowed', griefWhileEscrowed);
  launch('grief-revealed', griefAfterReveal);
}, 240_000);

afterAll(async () => {
  socket?.close();
  await Promise.allSettled(scenarios.values());
  await Promise.all([cheat?.close(), ...actors.map((a) => a.close())]);
  await e2e?.stop();
});

const scenario = (name: string) => () => scenarios.get(name)!;

describe('hole 1: a destination escrow whose datum claims more than its output holds', () => {
  it('lovelace: never ready_for_secret; invalid_fill with VALUE_BELOW_DATUM; the secret stays with the maker', { timeout: 240_000 }, scenario('inflated-lovelace'));
  it('native token: never ready_for_secret; invalid_fill with VALUE_BELOW_DATUM; the secret stays with the maker', { timeout: 240_000 }, scenario('inflated-token'));
});

describe('hole 2: a look-alike escrow with the victim order hash, locked and cancelled by a third party', () => {
  it('while the order is src_escrowed: no refunding; the swap completes executed', { timeout: 240_000 }, scenario('grief-escrowed'));
  it('while the order is secret_revealed: never refunding or refunded; the swap completes executed', { timeout: 240_000 }, scenario('grief-revealed'));
});

describe('hole 3: source timelocks beyond the factory rescue delay', () => {
  it('intake refuses srcPublicCancellation = RESCUE_DELAY with 400 TIMELOCKS_EXCEED_RESCUE_DELAY and stores nothing; one below is accepted', async () => {
    expect(e2e.evm.rescueDelay).toBe(RESCUE_DELAY);
    const tooLate = await signedOrder(e2e, { timelocks: { ...SHORT, srcPublicCancellation: RESCUE_DELAY } });
    const hash = eip712OrderHash(orderFromWire(tooLate.order), e2e.evm.chainId, e2e.evm.factory);
    const refused = await e2e.api.submit(tooLate.order, tooLate.signature).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toMatchObject({ status: 400, code: 'TIMELOCKS_EXCEED_RESCUE_DELAY' });
    await expect(e2e.api.order(hash)).rejects.toMatchObject({ status: 404 });

    const inTime = await makeOrder(e2e, { timelocks: { ...SHORT, srcPublicCancellation: RESCUE_DELAY - 1 } });
    expect(await statusOf(e2e.api, inTime.orderHash)).toBe('active');
    // The 404 above is about the refused order: the hash is computed as the relayer computes it.
    expect(eip712OrderHash(orderFromWire(inTime.order), e2e.evm.chainId, e2e.evm.factory).toLowerCase()).toBe(inTime.orderHash.toLowerCase());
  });
});

describe('the other destination rules, end to end: invalid_fill with the problem named, the secret kept', () => {
  it('wrong receiver → WRONG_RECEIVER', { timeout: 240_000 }, scenario('wrong-receiver'));
  it('a native token where the order wants lovelace → WRONG_ASSET', { timeout: 240_000 }, scenario('wrong-asset'));
  it('another hashlock → HASHLOCK_MISMATCH', { timeout: 240_000 }, scenario('wrong-hashlock'));
  it('a safety deposit one lovelace short → SAFETY_DEPOSIT_TOO_LOW', { timeout: 240_000 }, scenario('short-deposit'));
  it('destination cancellation opening after the source cancellation → DST_CANCELLATION_NOT_BEFORE_SRC', { timeout: 240_000 }, scenario('dst-cancel-late'));
});

// ---------------------------------------------------------------------------------------------
// Scenarios

async function inflatedDatumLovelace(): Promise<void> {
  const m = await makeOrder(e2e, { timelocks: SHORT, dstSafetyDeposit: String(DST_DEPOSIT) });
  const { fill, price } = await fillSource(m);
  // The datum claims 1000× the promise; the output holds exactly the promise + deposit.
  const datum = dstDatum(m, fill, cheat, price * 1000n);
  const escrow = await cheat.lock(datum, escrowValue({ ...datum, amount: price }));
  await expectInvalidFill(m, escrow, 'VALUE_BELOW_DATUM');
}

async function inflatedDatumToken(): Promise<void> {
  const m = await makeOrder(e2e, { timelocks: SHORT, takerAsset: token, auction: auction(6_000n, 5_000n), dstSafetyDeposit: String(DST_DEPOSIT) });
  const { fill, price } = await fillSource(m);
  const datum = dstDatum(m, fill, cheat, price * 1000n);
  const escrow = await cheat.lock(datum, escrowValue({ ...datum, amount: price }));
  await expectInvalidFill(m, escrow, 'VALUE_BELOW_DATUM');
}

/** A malicious resolver fills honestly on EVM, then locks a destination escrow with one term changed. */
async function refusedFill(
  over: Partial<WireOrder>,
  tamper: (honest: EscrowDatum) => { datum: EscrowDatum; value?: Core.Value },
  code: string,
): Promise<void> {
  const m = await makeOrder(e2e, { timelocks: SHORT, dstSafetyDeposit: String(DST_DEPOSIT), ...over });
  const { fill, price } = await fillSource(m);
  const { datum, value } = tamper(dstDatum(m, fill, cheat, price));
  const escrow = await cheat.lock(datum, value);
  await expectInvalidFill(m, escrow, code);
}

async function griefWhileEscrowed(): Promise<void> {
  const [honest, attacker] = await Promise.all([actor(1), actor(4)]);
  const m = await makeOrder(e2e, { timelocks: HONEST });
  const { fill, price } = await fillSource(m);

  await lockAndCancelLookAlike(attacker, m);
  expect(await statusOf(e2e.api, m.orderHash), 'a stray cancellation is not this order’s').toBe('src_escrowed');

  // The honest escrow comes after the stray cancellation in the store: once the order moves on,
  // the coordinator has judged the cancellation.
  const dst = await honest.lock(dstDatum(m, fill, honest, price));
  expect(await decision(m.orderHash, UNDECIDED), 'a stray cancellation is not this order’s').toBe('ready_for_secret');
  await completeSwap(m, fill, honest, dst);
}

async function griefAfterReveal(): Promise<void> {
  const [honest, attacker] = await Promise.all([actor(3), actor(5)]);
  const m = await makeOrder(e2e, { timelocks: HONEST });
  const { fill, price } = await fillSource(m);
  const dst = await honest.lock(dstDatum(m, fill, honest, price));
  expect(await decision(m.orderHash, UNDECIDED)).toBe('ready_for_secret');
  await e2e.api.revealSecret(m.orderHash, m.secret);
  expect(await statusOf(e2e.api, m.orderHash)).toBe('secret_revealed');

  await lockAndCancelLookAlike(attacker, m);
  // The sweep judges the order, then re-announces its secret while it is still secret_revealed:
  // two announcements after the stray cancellation was stored final mean a whole sweep saw it.
  const mark = secretsFeed.length;
  await pollFor(
    'a sweep after the stray cancellation',
    async () => (await statusOf(e2e.api, m.orderHash)) !== 'secret_revealed' || sharedSecrets(m.orderHash, mark).length >= 2,
    Boolean,
  );
  expect(await statusOf(e2e.api, m.orderHash), 'a stray cancellation is not this order’s').toBe('secret_revealed');
  // The listener is authenticated and hears secrets: its silence in the other cases means something.
  expect(sharedSecrets(m.orderHash, 0)[0]?.data.secret).toBe(m.secret);

  await honestWithdrawals(m, fill, honest, dst);
  expect(await decision(m.orderHash, ['secret_revealed']), 'the maker was paid: executed').toBe('executed');
  expect(await statuses(m.orderHash)).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed']);
}

// ---------------------------------------------------------------------------------------------
// Steps

function auction(start: bigint, end: bigint): WireOrder['auction'] {
  return { startTime: Math.floor(Date.now() / 1000) - 5, duration: 120, startAmount: String(start), endAmount: String(end), points: [] };
}

async function actor(account: number): Promise<CardanoActor> {
  const a = await CardanoActor.connect(e2e.ada, e2e.ada.accounts[account]!);
  actors.push(a);
  return a;
}

/** The resolver creates the source escrow at the current auction price; the relayer sees it. */
async function fillSource(m: MadeOrder): Promise<{ fill: SrcFill; price: bigint }> {
  const price = BigInt((await e2e.api.order(m.orderHash)).currentAmount as string);
  const fill = await evmTx(() => e2e.resolverEvm.fill(m.order, m.signature, price));
  await pollFor('order status after the fill', () => statusOf(e2e.api, m.orderHash), (s) => s === 'src_escrowed');
  return { fill, price };
}

/** Polls until the order leaves `passing`, and returns where it went. */
async function decision(orderHash: Hex, passing: string[]): Promise<string> {
  return pollFor(`order status (waiting to leave ${passing.join('/')})`, () => statusOf(e2e.api, orderHash), (s) => !passing.includes(s), 150_000);
}

async function statuses(orderHash: Hex): Promise<string[]> {
  return (await e2e.api.order(orderHash)).timeline!.map((t) => t.toStatus);
}

function sharedSecrets(orderHash: Hex, from: number): ServerMessage[] {
  return secretsFeed
    .slice(from)
    .filter((m) => m.type === 'secret_shared' && String(m.data.orderHash).toLowerCase() === orderHash.toLowerCase());
}

/**
 * After the destination window, the order is invalid_fill (never ready_for_secret), the timeline
 * names `escrow` among the candidates with `code`, and the secret stays with the maker.
 */
async function expectInvalidFill(m: MadeOrder, escrow: string, code: string): Promise<void> {
  expect(await decision(m.orderHash, UNDECIDED), 'the coordinator must refuse this destination escrow').toBe('invalid_fill');
  const { timeline } = await e2e.api.order(m.orderHash);
  expect(timeline!.map((t) => t.toStatus)).toEqual(['active', 'src_escrowed', 'invalid_fill']);
  const invalid = timeline!.find((t) => t.type === 'dst_escrow_invalid');
  const candidates = (invalid?.data.candidates ?? []) as { escrow: string; problems: { code: string }[] }[];
  const candidate = candidates.find((c) => c.escrow === escrow);
  expect(candidate, `dst_escrow_invalid candidates: ${JSON.stringify(candidates)}`).toBeDefined();
  expect(candidate!.problems.map((p) => p.code)).toContain(code);
  await expectSecretKept(m);
}

/** The maker's reveal is refused, the timeline never records one, and no `secret_shared` went out. */
async function expectSecretKept(m: MadeOrder): Promise<void> {
  await expect(e2e.api.revealSecret(m.orderHash, m.secret)).rejects.toMatchObject({ status: 409 });
  const { timeline } = await e2e.api.order(m.orderHash);
  expect(timeline!.map((t) => t.type)).not.toContain('secret_revealed');
  expect(sharedSecrets(m.orderHash, 0)).toEqual([]);
}

/**
 * A third party locks a small escrow at the script with the victim's order hash and hashlock,
 * itself as taker, every deadline already past; cancels it at once; and the relayer records
 * the cancellation as final.
 */
async function lockAndCancelLookAlike(attacker: CardanoActor, m: MadeOrder): Promise<void> {
  const now = BigInt(e2e.ada.now());
  const datum: EscrowDatum = {
    orderHash: m.orderHash.slice(2),
    hashlock: m.order.hashlock.slice(2),
    maker: attacker.paymentKeyHash,
    taker: attacker.paymentKeyHash,
    withdrawTo: bech32ToPlutusAddress(attacker.address),
    cancelTo: bech32ToPlutusAddress(attacker.address),
    asset: LOVELACE,
    amount: 2_500_000n,
    safetyDeposit: 500_000n,
    withdrawalAt: now - 180_000n,
    publicWithdrawalAt: now - 120_000n,
    cancellationAt: now - 60_000n,
    publicCancellationAt: null,
  };
  const stray = await attacker.lock(datum);
  await attacker.cancel(stray);
  await pollFor(
    'the look-alike escrow, cancelled and final, in GET /api/escrows',
    async () => (await e2e.api.escrows({ orderHash: m.orderHash })).items.find((x) => x.escrowId === stray),
    (x) => x?.status === 'cancelled' && x.final,
  );
}

/** The maker reveals, the honest resolver withdraws on both chains, the order ends executed. */
async function completeSwap(m: MadeOrder, fill: SrcFill, honest: CardanoActor, dst: string): Promise<void> {
  await e2e.api.revealSecret(m.orderHash, m.secret);
  await honestWithdrawals(m, fill, honest, dst);
  expect(await decision(m.orderHash, ['secret_revealed']), 'the maker was paid: executed').toBe('executed');
  expect(await statuses(m.orderHash)).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed']);
}

async function honestWithdrawals(m: MadeOrder, fill: SrcFill, honest: CardanoActor, dst: string): Promise<void> {
  await honest.withdraw(dst, m.secret);
  await evmTx(() => e2e.resolverEvm.withdraw(fill, m.secret));
}
