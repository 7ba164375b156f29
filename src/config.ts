/**
 * Every setting comes from the environment (architecture §10), is validated at start, and a bad
 * value stops the process with a message naming the variable. No other module reads
 * process.env.
 */
import { isIP } from 'node:net';
import { getAddress, isAddress } from 'viem';
import type { Hex } from './domain/order.js';
import { NETWORK_PRESETS, PRESETS, type NetworkPreset, type NetworkPresetName } from './network-presets.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const CARDANO_NETWORKS = ['mainnet', 'preprod', 'preview', 'devnet'] as const;
export type CardanoNetwork = (typeof CARDANO_NETWORKS)[number];

export interface EvmChainConfig {
  chainId: number;
  /** EscrowFactory: the EIP-712 verifyingContract of every order on this chain. */
  factory: Hex;
  rpcUrl: string | null;
  wsUrl: string | null;
  confirmations: number;
  /** First block the monitor scans when it has no stored cursor (the factory's deployment block). */
  startBlock: bigint;
}

export interface CardanoChainConfig {
  network: CardanoNetwork;
  chain: `cardano:${CardanoNetwork}`;
  ogmiosUrl: string | null;
  escrowScriptHash: string | null;
  confirmations: number;
}

export interface Config {
  /** NETWORK: the preset that filled the chain ids and confirmations, if one was chosen. */
  network: NetworkPresetName | null;
  host: string;
  httpPort: number;
  wsPort: number;
  dataDir: string;
  logLevel: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  /** Prefix of every Redis channel, so deployments sharing one Redis stay apart. */
  redisChannelPrefix: string;
  evm: EvmChainConfig;
  cardano: CardanoChainConfig;
  /** Resolver API keys (for the `secrets` WS channel). Never logged. */
  apiKeys: string[];
  /** API_KEYS_FILE: more keys, one per line (`#` comments); re-read on SIGHUP. */
  apiKeysFile: string | null;
  /** TLS_CERT_FILE + TLS_KEY_FILE (PEM): serve HTTPS and WSS directly; null = plain HTTP/WS. */
  tls: { certFile: string; keyFile: string } | null;
  /** OpenTelemetry tracing from the standard OTEL_* variables (src/observability/tracing.ts). */
  tracing: TracingConfig;
  corsOrigins: string[] | true;
  /** Per client address (public) and per API key (resolvers); shared through Redis when REDIS_URL is set. */
  rateLimit: { max: number; keyMax: number; windowMs: number };
  bodyLimitBytes: number;
  priceTickMs: number;
  ws: {
    maxMessageBytes: number;
    maxSubscriptions: number;
    sendBufferLimitBytes: number;
    heartbeatMs: number;
    maxConnections: number;
    /** WebSocket connections per client address, across every instance sharing REDIS_URL. */
    maxConnectionsPerIp: number;
  };
  /** The stored event stream WebSocket clients resume from (`subscribe` with `since`). */
  stream: {
    /** Events older than this are pruned; a `since` before them gets SINCE_EXPIRED. */
    retentionMs: number;
    /** How often the gateway looks for events when no bus message woke it. */
    pollMs: number;
  };
  /**
   * Which proxies may tell the client address (X-Forwarded-For): fastify's `trustProxy` (a
   * comma-separated list of addresses/CIDRs, or a hop count). Null: none, the socket's peer is the client.
   */
  trustProxy: string[] | number | null;
  /** How often a standby instance tries to take leadership (the bulk of the failover time). */
  leaderRetryMs: number;
  shutdownTimeoutMs: number;
  /**
   * `auto`: with no EVM_RPC_URL / OGMIOS_URL, start local devnets (the embedded default);
   * `off`: never (the API runs without chains, intake skips on-chain checks).
   */
  devnet: 'auto' | 'off';
  settlement: {
    /** Allowed drift of destination deadlines from source deployedAt + offsets: one block. */
    toleranceSeconds: number;
    /** The secret is not offered with less than this left before a cancellation opens. */
    secretMarginSeconds: number;
  };
  /** Signed webhook deliveries (src/webhooks). */
  webhooks: {
    /** Allow loopback, private and link-local targets (tests, a private deployment). Default false. */
    allowPrivateTargets: boolean;
    maxAttempts: number;
    /** First retry delay; doubles per attempt (with jitter) up to maxBackoffMs. */
    backoffMs: number;
    maxBackoffMs: number;
    /** Per attempt: connect + response, whole. */
    timeoutMs: number;
    pollMs: number;
  };
}

export const OTEL_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export interface TracingConfig {
  /**
   * OTEL_SDK_DISABLED=true: nothing at all (no context propagation, so log lines outside a
   * request carry no request id). Otherwise context propagation always runs; spans are
   * recorded only when an exporter is configured.
   */
  sdkDisabled: boolean;
  /** OTEL_TRACES_EXPORTER: `none` (default without an OTLP endpoint), `otlp`, `console`. */
  exporter: 'none' | 'otlp' | 'console';
  otlp: {
    /** The full traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces). */
    url: string;
    protocol: 'http/protobuf' | 'http/json';
    /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: may hold credentials; never logged. */
    headers: Record<string, string>;
    timeoutMs: number;
  };
  serviceName: string;
  resourceAttributes: Record<string, string>;
  sampler: (typeof OTEL_SAMPLERS)[number];
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the *traceidratio samplers. */
  samplerRatio: number;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The EscrowFactory address the embedded EVM devnet deploys to (anvil's first account,
 * nonce 0), used as the default EIP-712 verifyingContract when no factory is configured.
 */
export const DEVNET_DEFAULT_FACTORY: Hex = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

export function loadConfig(env: Env = process.env): Config {
  const presetName = raw(env, 'NETWORK') === undefined ? null : oneOf(env, 'NETWORK', NETWORK_PRESETS, 'devnet');
  const preset = presetName ? PRESETS[presetName] : null;
  const cardanoNetwork = oneOf(env, 'CARDANO_NETWORK', CARDANO_NETWORKS, preset?.cardano.network ?? 'devnet');
  const evmChainId = int(env, 'EVM_CHAIN_ID', preset?.evm.chainId ?? 31337, 1, 2 ** 53 - 1);
  if (preset) checkPreset(preset, evmChainId, cardanoNetwork);
  return {
    network: presetName,
    host: str(env, 'HOST', '0.0.0.0'),
    httpPort: port(env, 'HTTP_PORT', 3000),
    wsPort: port(env, 'WS_PORT', 8081),
    dataDir: str(env, 'DATA_DIR', './.data'),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisChannelPrefix: channelPrefix(env, 'REDIS_CHANNEL_PREFIX', 'fusion:'),
    evm: {
      chainId: evmChainId,
      factory: address(env, 'EVM_ESCROW_FACTORY', DEVNET_DEFAULT_FACTORY),
      rpcUrl: url(env, 'EVM_RPC_URL', ['http:', 'https:']),
      wsUrl: url(env, 'EVM_WS_URL', ['ws:', 'wss:']),
      confirmations: int(env, 'EVM_CONFIRMATIONS', preset?.evm.confirmations ?? 2, 0, 10_000),
      startBlock: BigInt(int(env, 'EVM_START_BLOCK', 0, 0, Number.MAX_SAFE_INTEGER)),
    },
    cardano: {
      network: cardanoNetwork,
      chain: `cardano:${cardanoNetwork}`,
      ogmiosUrl: url(env, 'OGMIOS_URL', ['ws:', 'wss:', 'http:', 'https:']),
      escrowScriptHash: hexOrNull(env, 'CARDANO_ESCROW_SCRIPT', 28),
      confirmations: int(env, 'CARDANO_CONFIRMATIONS', preset?.cardano.confirmations ?? 3, 0, 10_000),
    },
    apiKeys: list(env, 'API_KEYS').map((k, i) => {
      if (k.length < 16) throw new ConfigError('API_KEYS', `key #${i + 1} is shorter than 16 characters`);
      return k;
    }),
    apiKeysFile: str(env, 'API_KEYS_FILE', '') || null,
    tls: tls(env),
    tracing: tracing(env),
    corsOrigins: corsOrigins(env),
    rateLimit: {
      max: int(env, 'RATE_LIMIT_MAX', 600, 1, 1_000_000),
      keyMax: int(env, 'RATE_LIMIT_KEY_MAX', 6_000, 1, 10_000_000),
      windowMs: int(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 100, 86_400_000),
    },
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    priceTickMs: int(env, 'PRICE_TICK_MS', 1_000, 50, 3_600_000),
    ws: {
      maxMessageBytes: int(env, 'WS_MAX_MESSAGE_BYTES', 16 * 1024, 256, 1024 * 1024),
      maxSubscriptions: int(env, 'WS_MAX_SUBSCRIPTIONS', 100, 1, 100_000),
      sendBufferLimitBytes: int(env, 'WS_SEND_BUFFER_LIMIT', 4 * 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
      heartbeatMs: int(env, 'WS_HEARTBEAT_MS', 30_000, 100, 3_600_000),
      maxConnections: int(env, 'WS_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
      maxConnectionsPerIp: int(env, 'WS_MAX_CONNECTIONS_PER_IP', 100, 1, 1_000_000),
    },
    stream: {
      retentionMs: int(env, 'STREAM_RETENTION_HOURS', 24, 1, 24 * 365) * 3_600_000,
      pollMs: int(env, 'STREAM_POLL_MS', 1_000, 10, 60_000),
    },
    trustProxy: trustProxy(env),
    leaderRetryMs: int(env, 'LEADER_RETRY_MS', 2_000, 100, 600_000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    devnet: oneOf(env, 'DEVNET', ['auto', 'off'] as const, 'auto'),
    settlement: {
      toleranceSeconds: int(env, 'SETTLEMENT_TOLERANCE_SECONDS', 30, 0, 3_600),
      secretMarginSeconds: int(env, 'SECRET_MARGIN_SECONDS', 60, 0, 86_400),
    },
    webhooks: {
      allowPrivateTargets: oneOf(env, 'WEBHOOK_ALLOW_PRIVATE_TARGETS', ['true', 'false'] as const, 'false') === 'true',
      maxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
      backoffMs: int(env, 'WEBHOOK_BACKOFF_MS', 2_000, 10, 3_600_000),
      maxBackoffMs: int(env, 'WEBHOOK_MAX_BACKOFF_MS', 3_600_000, 10, 86_400_000),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 5_000, 100, 60_000),
      pollMs: int(env, 'WEBHOOK_POLL_MS', 500, 10, 60_000),
    },
  };
}

/** An explicit chain setting that contradicts NETWORK is a mistake, not an override. */
function checkPreset(preset: NetworkPreset, evmChainId: number, cardanoNetwork: CardanoNetwork): void {
  if (evmChainId !== preset.evm.chainId) {
    throw new ConfigError('EVM_CHAIN_ID', `is ${evmChainId}, but NETWORK=${preset.name} means chain id ${preset.evm.chainId}; remove one of them`);
  }
  if (cardanoNetwork !== preset.cardano.network) {
    throw new ConfigError('CARDANO_NETWORK', `is ${cardanoNetwork}, but NETWORK=${preset.name} means Cardano ${preset.cardano.network}; remove one of them`);
  }
}

/** The config with secrets and credentials removed, for the start-up log line. */
export function describeConfig(c: Config): Record<string, unknown> {
  const safeUrl = (u: string | null) => {
    if (!u) return null;
    const parsed = new URL(u);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  };
  return {
    ...c,
    databaseUrl: safeUrl(c.databaseUrl),
    redisUrl: safeUrl(c.redisUrl),
    evm: { ...c.evm, rpcUrl: safeUrl(c.evm.rpcUrl), wsUrl: safeUrl(c.evm.wsUrl), startBlock: c.evm.startBlock.toString() },
    cardano: { ...c.cardano, ogmiosUrl: safeUrl(c.cardano.ogmiosUrl) },
    apiKeys: `${c.apiKeys.length} configured`,
    tracing: { ...c.tracing, otlp: { ...c.tracing.otlp, url: safeUrl(c.tracing.otlp.url), headers: Object.keys(c.tracing.otlp.headers) } },
  };
}

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function str(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new ConfigError(name, `expected a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function port(env: Env, name: string, fallback: number): number {
  // 0 lets the OS choose a free port (tests, side-by-side instances).
  return int(env, name, fallback, 0, 65_535);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${v}"`);
  }
  return v as T;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const v = raw(env, name);
  if (v === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => p.replace(':', '://')).join(' or ')}`);
  }
  return v;
}

function address(env: Env, name: string, fallback: Hex): Hex {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!isAddress(v, { strict: false })) throw new ConfigError(name, `is not an EVM address: "${v}"`);
  return getAddress(v);
}

function hexOrNull(env: Env, name: string, bytes: number): string | null {
  const v = raw(env, name);
  if (v === undefined) return null;
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v)) {
    throw new ConfigError(name, `must be ${bytes} bytes of hex (${bytes * 2} characters)`);
  }
  return v.toLowerCase();
}

function channelPrefix(env: Env, name: string, fallback: string): string {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(v)) throw new ConfigError(name, 'use 1–64 letters, digits or : . _ -');
  return v;
}

function list(env: Env, name: string): string[] {
  const v = raw(env, name);
  if (v === undefined) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function tls(env: Env): Config['tls'] {
  const certFile = raw(env, 'TLS_CERT_FILE');
  const keyFile = raw(env, 'TLS_KEY_FILE');
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined) throw new ConfigError('TLS_CERT_FILE', 'is needed with TLS_KEY_FILE (both or neither)');
  if (keyFile === undefined) throw new ConfigError('TLS_KEY_FILE', 'is needed with TLS_CERT_FILE (both or neither)');
  return { certFile, keyFile };
}

/** The standard OTEL_* variables the relayer honours (the OpenTelemetry SDK environment spec). */
function tracing(env: Env): TracingConfig {
  const sdkDisabled = oneOf(env, 'OTEL_SDK_DISABLED', ['true', 'false'] as const, 'false') === 'true';
  const base = url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']);
  const traces = url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']);
  const exporters = list(env, 'OTEL_TRACES_EXPORTER');
  for (const e of exporters) {
    if (!['none', 'otlp', 'console'].includes(e)) throw new ConfigError('OTEL_TRACES_EXPORTER', `supported: otlp, console, none; got "${e}"`);
  }
  if (exporters.length > 1) throw new ConfigError('OTEL_TRACES_EXPORTER', 'name one exporter');
  // The spec's default is otlp; ours is off unless an endpoint (or the exporter) is named.
  const exporter = (exporters[0] ?? (base || traces ? 'otlp' : 'none')) as TracingConfig['exporter'];
  const protocols = ['http/protobuf', 'http/json'] as const;
  const protocol = oneOf(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', protocols, oneOf(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', protocols, 'http/protobuf'));
  const headers = { ...keyValues(env, 'OTEL_EXPORTER_OTLP_HEADERS'), ...keyValues(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') };
  const timeoutMs = int(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', int(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 1, 600_000), 1, 600_000);
  const sampler = oneOf(env, 'OTEL_TRACES_SAMPLER', OTEL_SAMPLERS, 'parentbased_always_on');
  const ratioText = raw(env, 'OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = ratioText === undefined ? 1 : Number(ratioText);
  if (!/^\d*\.?\d+$/.test(ratioText ?? '1') || samplerRatio > 1) {
    throw new ConfigError('OTEL_TRACES_SAMPLER_ARG', `must be a ratio between 0 and 1, got "${ratioText}"`);
  }
  return {
    sdkDisabled,
    exporter,
    otlp: { url: traces ?? `${(base ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`, protocol, headers, timeoutMs },
    serviceName: str(env, 'OTEL_SERVICE_NAME', 'fusion-relayer'),
    resourceAttributes: keyValues(env, 'OTEL_RESOURCE_ATTRIBUTES'),
    sampler,
    samplerRatio,
  };
}

/** `k1=v1,k2=v2` with percent-encoded values (W3C baggage octets), as OTEL_*_HEADERS and OTEL_RESOURCE_ATTRIBUTES are written. */
function keyValues(env: Env, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list(env, name)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(name, 'expected key=value pairs separated by commas');
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(name, `the value of "${pair.slice(0, eq).trim()}" is not valid percent-encoding`);
    }
    out[pair.slice(0, eq).trim()] = value;
  }
  return out;
}

function corsOrigins(env: Env): string[] | true {
  const origins = list(env, 'CORS_ORIGINS');
  if (origins.length === 0 || (origins.length === 1 && origins[0] === '*')) return true;
  for (const o of origins) {
    try {
      new URL(o);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `"${o}" is not an origin URL`);
    }
  }
  return origins;
}

/** TRUST_PROXY: a hop count, or addresses/CIDRs of the proxies whose X-Forwarded-For is believed. */
function trustProxy(env: Env): string[] | number | null {
  const v = raw(env, 'TRUST_PROXY');
  if (v === undefined) return null;
  if (/^\d+$/.test(v)) return int(env, 'TRUST_PROXY', 0, 1, 100);
  const entries = list(env, 'TRUST_PROXY');
  for (const e of entries) {
    const [ip, bits, extra] = e.split('/');
    const okIp = ip !== undefined && (isIP(ip) !== 0 || ['loopback', 'linklocal', 'uniquelocal'].includes(ip));
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(ip ?? '') === 6 ? 128 : 32));
    if (!okIp || !okBits || extra !== undefined) {
      throw new ConfigError('TRUST_PROXY', `"${e}" is not an address, a CIDR, loopback/linklocal/uniquelocal, or a hop count`);
    }
  }
  return entries;
}
