/**
 * Crash safety (the security issue, item 9): the relayer runs as its own process on Postgres, and
 * is killed with SIGKILL on *events* while four swaps are live — three whose makers reveal
 * (→ executed) and one whose maker never does (→ refunded) — at least MIN_KILLS times.
 *
 * How a kill is placed: every relayer "life" gets `CRASH_AT=<point>:<n>` (the crash points of
 * src/observability/crash-points.ts, e.g. `transition:escrowed:1`, `chain:commit:31337:3`), so it kills
 * itself right after the n-th time that commit happens. The point is drawn by a seeded generator
 * among points that can still happen in the state the store shows before the life starts: the
 * next transition of a live swap, the secret being stored, a chain event being published, the
 * chain followers' batch commits (which recur every block). A life whose point does not come within
 * LIFE_BOUND_MS is stopped (SIGTERM) and the next one draws again; it does not count. A kill
 * counts only if it landed: the process ended by SIGKILL *and* its stderr holds the marker line of
 * its point. Only kills that land while a swap is still live count towards MIN_KILLS; the makers'
 * reveals are held back (REVEAL_AFTER_KILLS) so that the swaps stay live long enough.
 *
 * After the last kill a clean relayer runs to the end and the test checks: every revealed swap
 * `executed` and the unrevealed one `refunded` (both escrows settled accordingly, the maker's tokens
 * back), each order's timeline a legal path with every status exactly once (a transition applied
 * twice, or any double side effect, would show), and the refund swap's secret never shared.
 *
 * Speed: the relayer is compiled once (scripts/build.ts) and the next lives wait as STANDBYS warm
 * standbys with their packages already loaded (test/support/warm-relayer.ts); a life goes to the
 * first warm one.
 *
 * The seed, the kill list (point, n, landed or not) and the totals are printed; replay a failing
 * run with CRASH_SEED=<seed>. The draw depends on the store's state, so a replay repeats the same
 * choices as long as the swaps reach the same states between lives.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createPublicClient, http } from 'viem';
import { createOrder, follow, loadSecret, type SecretRecord } from '../../cli/maker.js';
import { RelayerClient, type OrderView } from '../../client/http.js';
import { RelayerSocket } from '../../client/ws.js';
import { testTokenAbi } from '../../contracts/evm/artifacts.js';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { approveFactory, startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import { createResolver } from '../../resolver/setup.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { buildTempDist, WarmRelayer, writeStandbyScript } from '../support/warm-relayer.js';

const API_KEY = 'crash-test-resolver-key-0123';
const SEED = Number(process.env.CRASH_SEED ?? 20261129);
const MIN_KILLS = 20;
/** A life whose crash point has not come by then is stopped and replaced (not counted). */
const LIFE_BOUND_MS = 40_000;
/** The whole chaos phase gives up (and fails, with the kill list) after this. */
const CHAOS_DEADLINE_MS = 10 * 60_000;
/** Landed kills before each revealing maker sends its secret: keeps swaps live across the kills. */
/** Standby processes kept loading in advance: with one, half the lives still started cold under load. */
const STANDBYS = 2;
const REVEAL_AFTER_KILLS: Record<string, number> = { 'reveal-1': 0, 'reveal-2': 10, 'reveal-3': MIN_KILLS };

let evm: EvmDevnet;
let ada: CardanoDevnet;
let pgdb: TestPostgres;
let dist: string;
const processes = new Set<WarmRelayer>();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  [evm, ada, pgdb, dist] = await Promise.all([startEvmDevnet({ blockTime: 1 }), startCardanoDevnet(), withPostgres(), buildTempDist()]);
  writeStandbyScript(dist);
  await approveFactory(evm);
}, 240_000);

afterAll(async () => {
  await Promise.all([...processes].map((p) => p.kill()));
  await Promise.all([evm?.stop(), ada?.stop()]);
  await pgdb?.drop();
  if (dist) await rm(dist, { recursive: true, force: true }); // the link to node_modules goes, not its target
});

/** A small deterministic generator, so a failing schedule can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const EXECUTED_TIMELINE = ['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed'];
/**
 * The legal ways to refunded here (src/domain/state-machine.ts): the secret may have been offered
 * before its window closed or not; on a slow run the destination escrow is judged only after its
 * window and the order goes through invalid_fill; and a relayer that was down from the fill until
 * a cancellation was final goes straight from src_escrowed to refunding.
 */
const REFUNDED_TIMELINES = [
  ['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'refunding', 'refunded'],
  ['active', 'src_escrowed', 'escrowed', 'refunding', 'refunded'],
  ['active', 'src_escrowed', 'invalid_fill', 'refunding', 'refunded'],
  ['active', 'src_escrowed', 'refunding', 'refunded'],
];
/**
 * Long timelocks for the swaps that execute. For the refund: the secret window closes at
 * min(srcC, dstC) − SECRET_MARGIN_SECONDS = 30 s, the resolver cancels the destination at 60 s and
 * the source at 80 s; public cancellation (400 s) is far away, so the resolver's own cancel refunds.
 */
const LONG_TIMELOCKS = [6, 600, 900, 1000, 6, 300, 700];
const REFUND_TIMELOCKS = [6, 40, 80, 400, 6, 30, 60];
const AMOUNT = 10n ** 18n;
const TERMINAL = new Set(['executed', 'refunded', 'expired', 'cancelled']);

interface Swap {
  name: string;
  reveal: boolean;
  record: SecretRecord;
  /** The status the store showed last. */
  status: string;
  finished?: Promise<OrderView>;
  outcome?: { view: OrderView } | { error: Error };
  lastRevealTry?: number;
}

interface CrashTarget {
  point: string;
  n: number;
}

interface Life {
  index: number;
  target: CrashTarget | null;
  /** Seconds since the chaos started, at go and at the end. */
  startS: number;
  endS?: number;
  /** landed: died at its point; bound: stopped for not reaching it; other: died otherwise (a failure). */
  result?: 'landed' | 'bound' | 'other' | 'final';
  /** Whether the standby had its packages loaded at go, and seconds from go until it ran. */
  warm?: boolean;
  upAfterS?: number;
  /** The swaps' statuses when the point was drawn. */
  state?: string;
  /** Whether a swap was live when it ended (only such landed kills count). */
  duringSwaps?: boolean;
  detail?: string;
}

/** The next status each swap is sure (or very likely) to reach, from the status the store shows. */
function nextStatuses(s: Swap, landed: number): string[] {
  if (TERMINAL.has(s.status)) return [];
  if (s.reveal) {
    const i = EXECUTED_TIMELINE.indexOf(s.status);
    const next = EXECUTED_TIMELINE[i + 1];
    // The maker holds the secret back until enough kills landed: no reveal in this life then.
    if (next === 'secret_revealed' && landed < REVEAL_AFTER_KILLS[s.name]!) return [];
    return next ? [next] : [];
  }
  switch (s.status) {
    case 'active':
      return ['src_escrowed'];
    case 'src_escrowed':
      return ['escrowed'];
    case 'refunding':
      return ['refunded'];
    default:
      return ['refunding'];
  }
}

/**
 * One life's crash point, drawn with `random` among points that can still happen: a transition
 * ahead of a live swap (n up to the number of swaps heading there), the secret being stored, the
 * chain and settlement commits while swaps are live, or a chain follower's batch commit (every block).
 */
function drawTarget(random: () => number, swaps: Swap[], landed: number, chains: string[]): CrashTarget {
  const live = swaps.filter((s) => !TERMINAL.has(s.status));
  const ahead = new Map<string, number>();
  for (const s of live) for (const to of nextStatuses(s, landed)) ahead.set(to, (ahead.get(to) ?? 0) + 1);
  const groups: { weight: number; points: { point: string; maxN: number }[] }[] = [];
  if (ahead.size > 0) {
    groups.push({ weight: 0.45, points: [...ahead].sort().map(([to, count]) => ({ point: `transition:${to}`, maxN: count })) });
  }
  const secrets: { point: string; maxN: number }[] = [];
  if (live.some((s) => s.status === 'ready_for_secret' && s.reveal && landed >= REVEAL_AFTER_KILLS[s.name]!)) secrets.push({ point: 'secret:stored', maxN: 1 });
  // Re-announced at every sweep until both withdrawals land.
  if (live.some((s) => s.status === 'secret_revealed')) secrets.push({ point: 'bus:secrets', maxN: 3 });
  if (secrets.length > 0) groups.push({ weight: 0.15, points: secrets });
  // A chain event published and the coordinator's cursor after it; an order update published.
  const commits = live.some((s) => s.status !== 'ready_for_secret') ? [{ point: 'bus:chain', maxN: 2 }, { point: 'settlement:cursor', maxN: 2 }] : [];
  if (ahead.size > 0) commits.push({ point: 'bus:orders', maxN: 1 });
  if (commits.length > 0) groups.push({ weight: 0.15, points: commits });
  // The followers commit every block (EVM: 1 s blocks; Cardano: fewer, larger steps).
  const [evmChain, cardanoChain] = chains;
  groups.push({ weight: 0.25, points: [{ point: `chain:commit:${evmChain}`, maxN: 6 }, { point: `chain:commit:${cardanoChain}`, maxN: 3 }] });
  const total = groups.reduce((sum, g) => sum + g.weight, 0);
  let r = random() * total;
  const group = groups.find((g) => (r -= g.weight) < 0) ?? groups[groups.length - 1]!;
  const pick = group.points[Math.floor(random() * group.points.length)]!;
  return { point: pick.point, n: 1 + Math.floor(random() * pick.maxN) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('relayer killed with SIGKILL at seeded crash points during several swaps', () => {
  it(
    'resumes after every kill: revealed swaps end executed, the unrevealed one refunded, each transition applied once',
    { timeout: 15 * 60_000 },
    async () => {
      const [httpPort, wsPort] = [await freePort(), await freePort()];
      const relayerUrl = `http://127.0.0.1:${httpPort}`;
      const wsUrl = `ws://127.0.0.1:${wsPort}`;
      const api = new RelayerClient(relayerUrl);
      const relayerEnv: Record<string, string> = {
        DATABASE_URL: pgdb.url,
        HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        WS_PORT: String(wsPort),
        DEVNET: 'off',
        EVM_RPC_URL: evm.rpcUrl,
        EVM_CHAIN_ID: String(evm.chainId),
        EVM_ESCROW_FACTORY: evm.factory,
        EVM_CONFIRMATIONS: '2',
        OGMIOS_URL: ada.url,
        CARDANO_NETWORK: 'devnet',
        CARDANO_CONFIRMATIONS: '2',
        API_KEYS: API_KEY,
        SECRET_MARGIN_SECONDS: '30',
        LOG_LEVEL: 'warn',
      };

      // ---- the lives of the relayer ----------------------------------------------------------
      const random = rng(SEED);
      const started = Date.now();
      const seconds = () => Math.round((Date.now() - started) / 100) / 10;
      const lives: Life[] = [];
      let current: { proc: WarmRelayer; life: Life; goAt: number } | null = null;
      const spawnStandby = () => {
        const p = WarmRelayer.spawn(dist);
        processes.add(p);
        void p.exited.then(() => processes.delete(p));
        return p;
      };
      const standbys: WarmRelayer[] = [];
      const refill = () => {
        for (const p of standbys.filter((x) => x.exitStatus() !== null)) standbys.splice(standbys.indexOf(p), 1);
        while (standbys.length < STANDBYS) standbys.push(spawnStandby());
      };
      refill();
      const swaps: Swap[] = [];
      const landedDuringSwaps = () => lives.filter((l) => l.result === 'landed' && l.duringSwaps).length;
      const anyLive = () => swaps.length === 0 || swaps.some((s) => !TERMINAL.has(s.status));

      const startLife = (target: CrashTarget | null, last = false) => {
        refill();
        const proc = standbys.find((p) => p.warmAt !== null) ?? standbys[0]!;
        standbys.splice(standbys.indexOf(proc), 1);
        if (!last) refill();
        const life: Life = { index: lives.length + 1, target, startS: seconds(), state: swaps.map((s) => s.status).join(',') };
        lives.push(life);
        proc.go(target ? { ...relayerEnv, CRASH_AT: `${target.point}:${target.n}` } : relayerEnv);
        current = { proc, life, goAt: Date.now() };
      };
      /** Ends the current life: judges a death, or stops it cleanly when its point did not come. */
      const endLife = async (why: 'exited' | 'bound' | 'final') => {
        // A process that is already gone is judged by how it died, whatever the caller expected.
        const { proc, life } = current!;
        current = null;
        const died = proc.exitStatus() !== null;
        const exit = proc.exitStatus() ?? (await proc.stop());
        life.endS = seconds();
        life.warm = proc.warmAt !== null && proc.warmAt <= proc.goAt!;
        if (proc.runningAt !== null) life.upAfterS = Math.round((proc.runningAt - proc.goAt!) / 100) / 10;
        life.duringSwaps = anyLive();
        const marker = life.target ? `CRASH_MARKER ${life.target.point} ${life.target.n}\n` : null;
        if (died && exit.signal === 'SIGKILL' && marker && proc.stderr().includes(marker)) {
          life.result = 'landed';
        } else if (died) {
          life.result = 'other';
          life.detail = `exit ${exit.code} signal ${exit.signal}; stderr ${proc.stderr().slice(-1500)}; stdout ${proc.stdout().slice(-1500)}`;
        } else {
          life.result = why === 'final' ? 'final' : 'bound';
        }
      };
      const isReady = async () => {
        try {
          return (await fetch(`${relayerUrl}/health/ready`)).status === 200;
        } catch {
          return false;
        }
      };
      /** True once the current life serves requests; false if it died first. */
      const waitReady = async (): Promise<boolean> => {
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline) {
          if (current!.proc.exitStatus()) return false;
          if (await isReady()) return true;
          await sleep(200);
        }
        throw new Error(`relayer life ${current!.life.index} not ready after 120 s; stderr ${current!.proc.stderr().slice(-2000)}`);
      };
      /** What the store shows, read directly: the relayer may be down. */
      const refreshStatuses = async () => {
        if (swaps.length === 0) return;
        const rows = await pgdb.database.db
          .selectFrom('orders')
          .select(['order_hash', 'status'])
          .where('order_hash', 'in', swaps.map((s) => s.record.orderHash.toLowerCase()))
          .execute();
        for (const s of swaps) s.status = rows.find((r) => r.order_hash === s.record.orderHash.toLowerCase())?.status ?? 'absent';
      };
      /** A life that is down or past its bound is replaced by a new one with a fresh draw. */
      const keepAlive = async (draw: () => CrashTarget) => {
        if (current && current.proc.exitStatus()) await endLife('exited');
        if (current && Date.now() - current.goAt > LIFE_BOUND_MS) await endLife('bound');
        if (!current) {
          await refreshStatuses();
          startLife(draw());
        }
      };
      const drawNow = () => drawTarget(random, swaps, landedDuringSwaps(), [String(evm.chainId), ada.chain]);

      const report = (): string => {
        const kills = lives
          .map(
            (l) =>
              `#${l.index} ${l.target ? `${l.target.point}:${l.target.n}` : 'no crash point'} ${l.result ?? 'running'} ` +
              `(${l.startS}–${l.endS ?? '…'} s, ${l.warm ? 'warm' : 'cold'}, up after ${l.upAfterS ?? '–'} s, drawn at [${l.state}]${l.result === 'landed' && !l.duringSwaps ? ', after the swaps' : ''})${l.detail ? ` ${l.detail}` : ''}`,
          )
          .join('\n  ');
        const byPoint = new Map<string, number>();
        for (const l of lives) if (l.result === 'landed') byPoint.set(l.target!.point, (byPoint.get(l.target!.point) ?? 0) + 1);
        return (
          `crash seed ${SEED} (replay with CRASH_SEED=${SEED}): ${landedDuringSwaps()} kills landed during the swaps ` +
          `(${lives.filter((l) => l.result === 'landed').length} in all), ${lives.length} lives, ${seconds()} s; landed by point: ` +
          `${[...byPoint].sort().map(([p, n]) => `${p} ×${n}`).join(', ')}\n  ${kills}`
        );
      };

      // ---- first life, the resolver, and the orders (intake may be killed too) ---------------
      const dir = await mkdtemp(join(tmpdir(), 'crash-'));
      const secretsDir = join(dir, 'secrets');
      const plan = [
        { name: 'reveal-1', reveal: true, timelocks: LONG_TIMELOCKS },
        { name: 'refund', reveal: false, timelocks: REFUND_TIMELOCKS },
        { name: 'reveal-2', reveal: true, timelocks: LONG_TIMELOCKS },
        { name: 'reveal-3', reveal: true, timelocks: LONG_TIMELOCKS },
      ];
      console.log(`crash test: seed ${SEED} (replay with CRASH_SEED=${SEED}), at least ${MIN_KILLS} landed kills`);
      // The first life dies at the k-th order intake: an order committed whose submitter never got the answer.
      startLife({ point: 'order:intake', n: 1 + Math.floor(random() * plan.length) });
      while (!(await waitReady())) await keepAlive(drawNow);

      const receiver = ada.accounts[2]!;
      const { bot: resolver, close: closeResolver } = await createResolver({
        relayerUrl,
        wsUrl,
        apiKey: API_KEY,
        evm: { rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.resolver.privateKey },
        cardano: { host: ada.host, port: ada.port, chain: ada.chain, networkId: 0, paymentKey: ada.accounts[0]!.privateKey },
        maxPayment: () => 5_800_000n,
        jobsFile: join(dir, 'jobs.json'),
        logger: pino({ level: 'silent' }),
        pollMs: 500,
      });
      await resolver.start();
      // Every secret the relayer ever shares with resolvers (the socket reconnects after each kill;
      // a secret missed while it was down is announced again).
      const shared = new Set<string>();
      const secretsWatch = new RelayerSocket(wsUrl, {
        apiKey: API_KEY,
        onMessage: (m) => {
          if (m.type === 'secret_shared') shared.add(String(m.data.orderHash).toLowerCase());
        },
      });
      secretsWatch.subscribe('secrets');

      const makerBalance = () =>
        createPublicClient({ transport: http(evm.rpcUrl) }).readContract({
          address: evm.token,
          abi: testTokenAbi,
          functionName: 'balanceOf',
          args: [evm.accounts.maker.address],
        });
      const balanceBefore = await makerBalance();

      for (const p of plan) {
        let record: SecretRecord | undefined;
        while (!record) {
          while (!(await waitReady())) await keepAlive(drawNow);
          const before = new Set(await readdir(secretsDir).catch(() => [] as string[]));
          try {
            record = await createOrder(
              {
                relayer: relayerUrl, key: evm.accounts.maker.privateKey, makerAsset: evm.token, amount: AMOUNT,
                receiver: receiver.address, takerAsset: 'lovelace', dstChain: ada.chain, startAmount: 6_000_000n, endAmount: 5_000_000n,
                startIn: 0, duration: 30, expiryIn: 900, timelocks: p.timelocks, srcDeposit: 0n, dstDeposit: 1_000_000n, secretsDir,
              },
              () => undefined,
            );
          } catch (err) {
            // The relayer died under the request. If the order was committed first (a kill at
            // order:intake), it is ours; otherwise a new one is signed (a new secret, a new hash).
            await Promise.race([current!.proc.exited, sleep(15_000)]);
            if (!current!.proc.exitStatus()) throw err; // not a crash: a real failure
            await keepAlive(drawNow);
            while (!(await waitReady())) await keepAlive(drawNow);
            const file = (await readdir(secretsDir).catch(() => [] as string[])).find((f) => !before.has(f));
            if (!file) continue; // it died before the order was signed: sign one now
            const candidate = await loadSecret(secretsDir, file.replace(/\.json$/, ''));
            if (await api.order(candidate.orderHash).then(() => true, () => false)) record = candidate;
          }
        }
        swaps.push({ name: p.name, reveal: p.reveal, record, status: 'active' });
      }
      expect(new Set(swaps.map((s) => s.record.orderHash)).size).toBe(swaps.length);
      // The makers follow their orders with the CLI (the reveals are sent by this test, held back).
      for (const swap of swaps) {
        swap.finished = follow(
          { relayer: relayerUrl, wsUrl, orderHash: swap.record.orderHash, reveal: false, secretsDir, pollMs: 500, timeoutMs: 14 * 60_000 },
          () => undefined,
        ).then(
          (view) => ((swap.outcome = { view }), view),
          (err: unknown) => {
            swap.outcome = { error: err as Error };
            throw err;
          },
        );
        swap.finished.catch(() => undefined); // reported below, with every swap's state
      }

      // ---- chaos: a life per drawn crash point until MIN_KILLS landed and every swap ended ---
      try {
        while (anyLive() || landedDuringSwaps() < MIN_KILLS) {
          if (Date.now() - started > CHAOS_DEADLINE_MS) throw new Error('the chaos phase ran out of time');
          if (!anyLive()) break; // every swap ended before enough kills: fails below, with the list
          await keepAlive(drawNow);
          await refreshStatuses();
          // The makers reveal once their swap is ready and enough kills have landed.
          for (const s of swaps) {
            if (!s.reveal || s.status !== 'ready_for_secret' || landedDuringSwaps() < REVEAL_AFTER_KILLS[s.name]!) continue;
            if (s.lastRevealTry !== undefined && Date.now() - s.lastRevealTry < 2_000) continue;
            s.lastRevealTry = Date.now();
            void api.revealSecret(s.record.orderHash, s.record.secret).catch(() => undefined); // retried until the store moves
          }
          await sleep(250);
        }
        // A clean relayer (no crash point) sees the swaps to the end of the resolver's work.
        if (current) await endLife('final');
        startLife(null, true);
        await waitReady();
      } catch (err) {
        throw new Error(`${(err as Error).message}; ${report()}`);
      }

      /** Where each swap is: the relayer's view and the resolver's job. */
      const swapsReport = async (): Promise<string> => {
        const lines = await Promise.all(
          swaps.map(async (s) => {
            const view = await api.order(s.record.orderHash).catch(() => null);
            const job = resolver.job(s.record.orderHash);
            const err = s.outcome && 'error' in s.outcome ? ` follow failed: ${s.outcome.error.message};` : '';
            return (
              `${s.name} ${s.record.orderHash}:${err} order ${view?.status} ` +
              `(timeline ${view?.timeline?.map((t) => t.toStatus).join(' → ')}), resolver job ${job?.state ?? 'absent'}${job ? ` (secret ${job.secret ? 'known' : 'not known'})` : ''} ${job?.error ?? ''}`
            );
          }),
        );
        return `${report()}\n  ${lines.join('\n  ')}`;
      };

      try {
        await Promise.race([Promise.allSettled(swaps.map((s) => s.finished)), sleep(120_000)]);
        if (swaps.some((s) => !s.outcome || 'error' in s.outcome)) throw new Error('not every maker saw its swap end');
        // The relayer is done; let the resolver finish its own bookkeeping (last chain actions).
        await Promise.all(swaps.map((s) => resolver.waitFor(s.record.orderHash, s.reveal ? ['done'] : ['cancelled'], 120_000)));
      } catch (err) {
        throw new Error(`${(err as Error).message}; ${await swapsReport()}`);
      }
      await closeResolver();
      secretsWatch.close();

      const context = await swapsReport();
      console.log(context);
      expect(lives.filter((l) => l.result === 'other'), `relayer lives that died without landing on their point; ${context}`).toEqual([]);
      expect(landedDuringSwaps(), context).toBeGreaterThanOrEqual(MIN_KILLS);
      for (const s of swaps) {
        const view = await api.order(s.record.orderHash);
        const timeline = view.timeline!;
        const statuses = timeline.map((t) => t.toStatus);
        const escrows = (await api.escrows({ orderHash: s.record.orderHash })).items;
        const where = `${s.name} ${s.record.orderHash}; ${context}`;
        // Each step once, each from the status the previous one left.
        expect(new Set(statuses).size, `a status repeated in the timeline of ${where}`).toBe(statuses.length);
        timeline.forEach((t, i) => expect(t.fromStatus ?? null, where).toBe(i === 0 ? null : statuses[i - 1]));
        if (s.reveal) {
          expect(view.status, where).toBe('executed');
          expect(statuses, where).toEqual(EXECUTED_TIMELINE);
          expect(escrows.map((e) => `${e.side}:${e.status}`).sort(), where).toEqual(['dst:withdrawn', 'src:withdrawn']);
        } else {
          expect(view.status, where).toBe('refunded');
          expect(REFUNDED_TIMELINES, `timeline ${statuses.join(' → ')} of ${where}`).toContainEqual(statuses);
          expect(escrows.map((e) => `${e.side}:${e.status}`).sort(), where).toEqual(['dst:cancelled', 'src:cancelled']);
          // The resolver's own cancels (not a public cancel) sent the funds back.
          const job = resolver.job(s.record.orderHash)!;
          expect(job.txs.dstCancel, where).toBeDefined();
          expect(job.txs.srcCancel, where).toBeDefined();
          // The secret never left the maker: not stored, never shared, never known to the resolver.
          expect(job.secret, where).toBeUndefined();
          expect(shared.has(s.record.orderHash.toLowerCase()), where).toBe(false);
          const row = await pgdb.database.db.selectFrom('orders').select('secret').where('order_hash', '=', s.record.orderHash.toLowerCase()).executeTakeFirstOrThrow();
          expect(row.secret, where).toBeNull();
        }
      }
      // Every revealed secret was shared (the watcher itself survives the restarts).
      for (const s of swaps.filter((x) => x.reveal)) expect(shared.has(s.record.orderHash.toLowerCase()), context).toBe(true);
      // The refunded order's tokens are back with the maker; the executed ones went to the resolver.
      const executed = BigInt(swaps.filter((s) => s.reveal).length);
      expect(await makerBalance(), context).toBe(balanceBefore - AMOUNT * executed);
      await current!.proc.stop();
    },
  );
});
