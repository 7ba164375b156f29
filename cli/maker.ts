/**
 * The maker CLI: create and sign an order (the secret never leaves this machine until the
 * relayer says both escrows are safe), submit it, follow it live, reveal the secret, show
 * status and history. It talks to the relayer's public HTTP/WS API only.
 *
 *   npm run maker -- create  --relayer URL --key 0x… --maker-asset 0x… --amount N --receiver addr_test1…
 *                            --start-amount N --end-amount N [options]
 *   npm run maker -- follow  <orderHash> [--reveal]
 *   npm run maker -- reveal  <orderHash>
 *   npm run maker -- status  <orderHash>
 *   npm run maker -- swap    … (create, then follow --reveal)
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { getAddress, hashTypedData, isAddress, keccak256, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { RelayerApiError, RelayerClient, type OrderView, type TypedDataDescriptor, type WireOrder } from '../client/http.js';
import { orderMessage, signOrder } from '../client/sign.js';
import { RelayerSocket, type ServerMessage } from '../client/ws.js';

/** The happy path, in order; anything else is shown as it comes. */
export const STAGES = ['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed'] as const;
const TERMINAL = new Set(['executed', 'expired', 'cancelled', 'refunded']);

const STAGE_TEXT: Record<string, string> = {
  active: 'order live, auction running',
  src_escrowed: 'a resolver filled: source escrow holds your funds',
  escrowed: 'destination escrow verified against your order',
  ready_for_secret: 'both escrows final: safe to reveal the secret',
  secret_revealed: 'secret revealed: resolver is withdrawing',
  executed: 'swap complete: you were paid on the destination chain',
  invalid_fill: 'destination escrow wrong or missing: your secret stays private, refund follows',
  refunding: 'timelocks expired: funds going back',
  refunded: 'refunded',
  expired: 'expired unfilled',
  cancelled: 'cancelled',
};

export interface SecretRecord {
  orderHash: Hex;
  secret: Hex;
  relayer: string;
  order: WireOrder;
  createdAt: string;
}

type Out = (line: string) => void;

export function defaultSecretsDir(): string {
  return process.env.FUSION_SECRETS_DIR ?? join(homedir(), '.fusion-relayer', 'secrets');
}

/** Writes the secret file readable by its owner only (0600, directory 0700). */
export async function saveSecret(dir: string, record: SecretRecord): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const path = join(dir, `${record.orderHash}.json`);
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return path;
}

export async function loadSecret(dir: string, orderHash: string): Promise<SecretRecord> {
  const text = await readFile(join(dir, `${orderHash.toLowerCase()}.json`), 'utf8').catch(() => {
    throw new Error(`no secret for ${orderHash} in ${dir}`);
  });
  return JSON.parse(text) as SecretRecord;
}

export interface CreateOptions {
  relayer: string;
  key: Hex;
  makerAsset: string;
  amount: bigint;
  receiver: string;
  takerAsset: string;
  dstChain: string;
  startAmount: bigint;
  endAmount: bigint;
  startIn: number;
  duration: number;
  expiryIn: number;
  /** srcWithdrawal, srcPublicWithdrawal, srcCancellation, srcPublicCancellation, dstWithdrawal, dstPublicWithdrawal, dstCancellation */
  timelocks: number[];
  srcDeposit: bigint;
  dstDeposit: bigint;
  secretsDir: string;
  now?: number;
}

/** Creates, signs and submits an order; the secret is on disk before the relayer sees the order. */
export async function createOrder(o: CreateOptions, out: Out): Promise<SecretRecord> {
  const client = new RelayerClient(o.relayer);
  const account = privateKeyToAccount(o.key);
  const typed: TypedDataDescriptor = await client.typedData();
  const secret = `0x${randomBytes(32).toString('hex')}` as Hex;
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const [srcW, srcPW, srcC, srcPC, dstW, dstPW, dstC] = o.timelocks as [number, number, number, number, number, number, number];
  const order: WireOrder = {
    srcChain: String(typed.domain.chainId),
    dstChain: o.dstChain,
    maker: account.address,
    receiver: o.receiver,
    makerAsset: o.makerAsset,
    makingAmount: o.amount.toString(),
    takerAsset: o.takerAsset,
    auction: {
      startTime: now + o.startIn,
      duration: o.duration,
      startAmount: o.startAmount.toString(),
      endAmount: o.endAmount.toString(),
      points: [],
    },
    hashlock: keccak256(secret),
    timelocks: {
      srcWithdrawal: srcW,
      srcPublicWithdrawal: srcPW,
      srcCancellation: srcC,
      srcPublicCancellation: srcPC,
      dstWithdrawal: dstW,
      dstPublicWithdrawal: dstPW,
      dstCancellation: dstC,
    },
    srcSafetyDeposit: o.srcDeposit.toString(),
    dstSafetyDeposit: o.dstDeposit.toString(),
    nonce: BigInt(`0x${randomBytes(8).toString('hex')}`).toString(),
    salt: BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
    expiry: now + o.expiryIn,
  };
  const { EIP712Domain: _d, ...types } = typed.types;
  const orderHash = hashTypedData({
    domain: typed.domain,
    types,
    primaryType: typed.primaryType,
    message: orderMessage(order),
  } as Parameters<typeof hashTypedData>[0]).toLowerCase() as Hex;
  const record: SecretRecord = { orderHash, secret, relayer: o.relayer, order, createdAt: new Date().toISOString() };
  const path = await saveSecret(o.secretsDir, record);
  out(`secret saved to ${path} (mode 0600)`);

  const signature = await signOrder(account, typed, order);
  const result = await client.submit(order, signature);
  if (result.orderHash.toLowerCase() !== orderHash) {
    throw new Error(`relayer computed order hash ${result.orderHash}, expected ${orderHash}: typed data mismatch`);
  }
  out(`order ${orderHash} submitted: ${result.status}`);
  return record;
}

export function describeStage(status: string): string {
  const i = (STAGES as readonly string[]).indexOf(status);
  const step = i >= 0 ? `[${i + 1}/${STAGES.length}]` : '[ ! ]';
  return `${step} ${status.padEnd(16)} ${STAGE_TEXT[status] ?? ''}`.trimEnd();
}

export interface FollowOptions {
  relayer: string;
  wsUrl?: string;
  orderHash: string;
  reveal: boolean;
  secretsDir: string;
  /** Safety net for missed WS messages. */
  pollMs?: number;
  timeoutMs?: number;
}

/**
 * Follows an order until it ends, printing each stage; with `reveal`, sends the secret once the
 * relayer reports ready_for_secret. Resolves with the final order.
 */
export async function follow(o: FollowOptions, out: Out): Promise<OrderView> {
  const client = new RelayerClient(o.relayer);
  const wsUrl = o.wsUrl ?? defaultWsUrl(o.relayer);
  let lastShown = '';
  let revealed = false;

  return new Promise<OrderView>((resolve, reject) => {
    let settled = false;
    let checking = false;
    const finish = (err: Error | null, view?: OrderView) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timeout);
      socket.close();
      if (err) reject(err);
      else resolve(view!);
    };

    const check = async () => {
      if (checking || settled) return;
      checking = true;
      try {
        const view = await client.order(o.orderHash);
        if (view.status !== lastShown) {
          lastShown = view.status;
          out(describeStage(view.status));
        }
        if (view.status === 'ready_for_secret' && o.reveal && !revealed) {
          const record = await loadSecret(o.secretsDir, o.orderHash);
          await client.revealSecret(o.orderHash, record.secret);
          revealed = true;
          out('secret sent to the relayer');
          checking = false;
          return check();
        }
        if (TERMINAL.has(view.status)) finish(null, view);
      } catch (err) {
        if (err instanceof RelayerApiError && err.status < 500 && err.code !== 'RATE_LIMITED') finish(err);
        else out(`(relayer unreachable, retrying: ${(err as Error).message})`);
      } finally {
        checking = false;
      }
    };

    const socket = new RelayerSocket(wsUrl, {
      onMessage: (m: ServerMessage) => {
        if (m.type === 'order_updated' || m.type === 'order_created') void check();
      },
    });
    socket.subscribe(`order:${o.orderHash}`);
    const poll = setInterval(() => void check(), o.pollMs ?? 3_000);
    const timeout = setTimeout(() => finish(new Error(`gave up following after ${o.timeoutMs} ms`)), o.timeoutMs ?? 2 ** 31 - 1);
    void check();
  });
}

export function defaultWsUrl(relayer: string): string {
  const u = new URL(relayer);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/ws';
  return u.toString();
}

export async function status(relayer: string, orderHash: string, out: Out): Promise<OrderView> {
  const view = await new RelayerClient(relayer).order(orderHash);
  out(`order ${view.orderHash}`);
  out(`status ${describeStage(view.status)}`);
  if (view.currentAmount) out(`current auction amount ${view.currentAmount}`);
  for (const t of view.timeline ?? []) out(`  ${t.createdAt}  ${(t.fromStatus ?? '—').padEnd(16)} → ${t.toStatus.padEnd(16)} ${t.type}`);
  return view;
}

const USAGE = `usage: maker <create|swap|follow|reveal|status> [options]
  create/swap: --relayer URL --key 0xPRIVATEKEY --maker-asset 0xTOKEN --amount N --receiver addr_test1…
               --start-amount N --end-amount N [--taker-asset lovelace] [--dst-chain cardano:devnet]
               [--duration 120] [--start-in 0] [--expiry-in 3600] [--timelocks 30,600,900,1200,30,300,700]
               [--src-deposit 0] [--dst-deposit 0] [--secrets-dir DIR]
  follow:      <orderHash> [--reveal] [--relayer URL] [--ws URL]
  reveal:      <orderHash> [--relayer URL]
  status:      <orderHash> [--relayer URL]`;

export async function runCli(argv: string[], out: Out = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  try {
    return await runCommand(argv, out);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof RelayerApiError) {
      process.stderr.write(`relayer refused: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function runCommand(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      relayer: { type: 'string', default: process.env.RELAYER_URL ?? 'http://localhost:3000' },
      ws: { type: 'string' },
      key: { type: 'string', default: process.env.MAKER_KEY },
      'maker-asset': { type: 'string' },
      amount: { type: 'string' },
      receiver: { type: 'string' },
      'taker-asset': { type: 'string', default: 'lovelace' },
      'dst-chain': { type: 'string', default: 'cardano:devnet' },
      'start-amount': { type: 'string' },
      'end-amount': { type: 'string' },
      'start-in': { type: 'string', default: '0' },
      duration: { type: 'string', default: '120' },
      'expiry-in': { type: 'string', default: '3600' },
      timelocks: { type: 'string', default: '30,600,900,1200,30,300,700' },
      'src-deposit': { type: 'string', default: '0' },
      'dst-deposit': { type: 'string', default: '0' },
      'secrets-dir': { type: 'string', default: defaultSecretsDir() },
      reveal: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const [command, arg] = positionals;
  const relayer = values.relayer!;
  const secretsDir = values['secrets-dir']!;
  const need = (name: string, v: string | undefined): string => {
    if (!v) throw new UsageError(`--${name} is required`);
    return v;
  };
  const amount = (name: string, v: string | undefined): bigint => {
    const s = need(name, v);
    if (!/^\d+$/.test(s)) throw new UsageError(`--${name} must be a whole number of base units, got "${s}"`);
    return BigInt(s);
  };
  const int = (name: string, v: string | undefined): number => Number(amount(name, v));
  const evmAddress = (name: string, v: string | undefined): string => {
    const s = need(name, v);
    if (!isAddress(s, { strict: false })) throw new UsageError(`--${name} must be an EVM address, got "${s}"`);
    return getAddress(s);
  };

    switch (command) {
      case 'create':
      case 'swap': {
        const timelocks = need('timelocks', values.timelocks).split(',').map((s) => int('timelocks', s.trim()));
        if (timelocks.length !== 7) throw new UsageError('--timelocks takes 7 comma-separated offsets in seconds');
        const record = await createOrder(
          {
            relayer,
            key: need('key', values.key) as Hex,
            makerAsset: evmAddress('maker-asset', values['maker-asset']),
            amount: amount('amount', values.amount),
            receiver: need('receiver', values.receiver),
            takerAsset: values['taker-asset']!,
            dstChain: values['dst-chain']!,
            startAmount: amount('start-amount', values['start-amount']),
            endAmount: amount('end-amount', values['end-amount']),
            startIn: int('start-in', values['start-in']),
            duration: int('duration', values.duration),
            expiryIn: int('expiry-in', values['expiry-in']),
            timelocks,
            srcDeposit: amount('src-deposit', values['src-deposit']),
            dstDeposit: amount('dst-deposit', values['dst-deposit']),
            secretsDir,
          },
          out,
        );
        if (command === 'create') {
          if (values.json) out(JSON.stringify({ orderHash: record.orderHash }));
          return 0;
        }
        const final = await follow({ relayer, ...(values.ws ? { wsUrl: values.ws } : {}), orderHash: record.orderHash, reveal: true, secretsDir }, out);
        return final.status === 'executed' ? 0 : 1;
      }
      case 'follow': {
        const final = await follow(
          { relayer, ...(values.ws ? { wsUrl: values.ws } : {}), orderHash: need('orderHash', arg), reveal: values.reveal!, secretsDir },
          out,
        );
        return final.status === 'executed' ? 0 : 1;
      }
      case 'reveal': {
        const hash = need('orderHash', arg);
        const record = await loadSecret(secretsDir, hash);
        await new RelayerClient(relayer).revealSecret(hash, record.secret);
        out('secret sent to the relayer');
        return 0;
      }
      case 'status':
        await status(relayer, need('orderHash', arg), out);
        return 0;
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command');
    }
}

class UsageError extends Error {}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
