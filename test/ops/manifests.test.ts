/**
 * No container engine runs on the test machine, so the Dockerfile, the compose file, the nginx
 * config and the Kubernetes manifests are kept honest here: parsed, and every port, path, probe,
 * environment variable and command checked against the code — the config schema (through
 * loadConfig itself), the routes (served by a running relayer), package.json scripts and the
 * build's shipped entry points.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_DIRS } from '../../scripts/build.js';
import { DEVNET_DEFAULT_FACTORY, loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { ROOT } from './support.js';

type Env = Record<string, string>;
const DEPLOY = path.join(ROOT, 'deploy');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const defaults = loadConfig({});

/** Every variable loadConfig reads, found by running it on an environment that records reads. */
const CONFIG_VARIABLES: ReadonlySet<string> = (() => {
  const seen = new Set<string>();
  loadConfig(new Proxy({}, { get: (_t, k) => (seen.add(String(k)), undefined) }));
  return seen;
})();
/** Read by node itself, not by the relayer. */
const RUNTIME_VARIABLES = new Set(['NODE_ENV', 'NODE_OPTIONS']);

function expectKnownVariables(env: Env, where: string): void {
  const unknown = Object.keys(env).filter((k) => !CONFIG_VARIABLES.has(k) && !RUNTIME_VARIABLES.has(k));
  expect(unknown, `${where}: variables the relayer does not read`).toEqual([]);
  expect(() => loadConfig(env), where).not.toThrow();
}

interface Instruction {
  op: string;
  args: string;
  stage: string;
}

/** Dockerfile instructions (continuations joined, comments dropped), each tagged with its stage. */
function dockerfile(): Instruction[] {
  const lines = read('deploy/Dockerfile').replace(/\\\n\s*/g, ' ').split('\n');
  const out: Instruction[] = [];
  let stage = '';
  for (const line of lines.map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args!)?.[1] ?? '';
    out.push({ op: op!.toUpperCase(), args: args!, stage });
  }
  return out;
}

/** `dist/<dir>/<file>.js` is shipped iff `<dir>/<file>.ts` exists and its folder is built. */
function shipped(distPath: string): boolean {
  const m = /^dist\/(.+)\.js$/.exec(distPath);
  if (!m) return false;
  const source = `${m[1]}.ts`;
  return existsSync(path.join(ROOT, source)) && SHIPPED_DIRS.some((d) => source.startsWith(`${d}/`));
}

function npmRuns(text: string): string[] {
  return [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
}

describe('Dockerfile', () => {
  const ins = dockerfile();
  const stage = (name: string) => ins.filter((i) => i.stage === name);
  const one = (name: string, op: string) => stage(name).find((i) => i.op === op);
  const envOf = (name: string): Env =>
    Object.fromEntries(stage(name).filter((i) => i.op === 'ENV').flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));

  it('is multi-stage: compiles in one stage, ships dist/ and production modules only', () => {
    expect(ins.filter((i) => i.op === 'FROM').map((i) => i.stage)).toEqual(['build', 'base', 'devnet', 'relayer']);
    expect(stage('build').some((i) => i.op === 'RUN' && /npm run build/.test(i.args) && /npm prune --omit=dev/.test(i.args))).toBe(true);
    expect(stage('base').filter((i) => i.op === 'COPY').every((i) => i.args.includes('--from=build'))).toBe(true);
    for (const script of npmRuns(read('deploy/Dockerfile'))) expect(pkg.scripts[script], `npm run ${script}`).toBeDefined();
  });

  it('runs as the unprivileged node user', () => {
    expect(one('base', 'USER')?.args).toBe('node');
    expect(ins.filter((i) => i.op === 'USER' && (i.args === 'root' || i.args === '0'))).toEqual([]);
  });

  it('starts node directly as PID 1 on the compiled entry, as npm run start:prod does', () => {
    const cmd = JSON.parse(one('relayer', 'CMD')!.args) as string[];
    expect(cmd[0]).toBe('node'); // exec form: no shell, no npm between the signal and node
    const entry = cmd.find((a) => !a.startsWith('-') && a !== 'node')!;
    expect(shipped(entry), entry).toBe(true);
    expect(pkg.scripts['start:prod']).toBe(cmd.join(' '));
    expect(one('relayer', 'STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it('exposes the ports its environment configures, and checks /health/ready on that port', () => {
    const env = envOf('relayer');
    expectKnownVariables({ ...envOf('base'), ...env }, 'Dockerfile ENV');
    const config = loadConfig(env);
    expect(one('relayer', 'EXPOSE')?.args.split(/\s+/).map(Number).sort()).toEqual([config.httpPort, config.wsPort].sort());
    const health = one('relayer', 'HEALTHCHECK')!.args;
    expect(health).toContain("'/health/ready'");
    expect(health).toContain('process.env.HTTP_PORT');
    expect(health).toContain(`|| ${defaults.httpPort})`);
  });

  it('runs the standalone devnets with options scripts/devnet.ts understands', () => {
    const cmd = JSON.parse(one('devnet', 'CMD')!.args) as string[];
    expect(cmd[0]).toBe('node');
    expect(shipped(cmd[1]!)).toBe(true);
    const source = read('scripts/devnet.ts');
    for (const flag of cmd.filter((a) => a.startsWith('--'))) expect(source).toContain(`'${flag.slice(2)}': {`.replace("'host'", 'host'));
    const ports = one('devnet', 'EXPOSE')!.args.split(/\s+/);
    expect(ports).toEqual([cmd[cmd.indexOf('--evm-port') + 1], cmd[cmd.indexOf('--ogmios-port') + 1]]);
  });
});

describe('compose', () => {
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
    services: Record<string, { build?: { context: string; dockerfile: string; target: string }; environment?: Env; expose?: string[]; stop_grace_period?: string; volumes?: string[]; depends_on?: unknown }>;
  };
  const relayers = Object.entries(compose.services).filter(([, s]) => s.build?.target === 'relayer');
  const resolveEnv = (env: Env): Env =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{API_KEYS:\?[^}]*\}/, 'compose-test-key-0123456789')]));

  it('runs two relayers, Postgres, Redis, nginx and the devnets, built from the Dockerfile stages', () => {
    expect(relayers.map(([n]) => n)).toEqual(['relayer-a', 'relayer-b']);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'nginx', 'devnet']));
    const stages = dockerfile().filter((i) => i.op === 'FROM').map((i) => i.stage);
    for (const [, s] of Object.entries(compose.services).filter(([, s]) => s.build)) {
      expect(path.resolve(DEPLOY, s.build!.context, s.build!.dockerfile)).toBe(path.join(DEPLOY, 'Dockerfile'));
      expect(stages).toContain(s.build!.target);
    }
  });

  it('configures each relayer with variables the config accepts, pointing at the services it runs', () => {
    for (const [name, s] of relayers) {
      const env = resolveEnv(s.environment!);
      expectKnownVariables(env, `compose ${name}`);
      const config = loadConfig(env);
      expect(s.expose).toEqual([String(config.httpPort), String(config.wsPort)]);
      expect(new URL(config.databaseUrl!).hostname).toBe('postgres');
      expect(new URL(config.redisUrl!).hostname).toBe('redis');
      const devnetCmd = JSON.parse(dockerfile().find((i) => i.stage === 'devnet' && i.op === 'CMD')!.args) as string[];
      expect(new URL(config.evm.rpcUrl!).host).toBe(`devnet:${devnetCmd[devnetCmd.indexOf('--evm-port') + 1]}`);
      expect(new URL(config.cardano.ogmiosUrl!).host).toBe(`devnet:${devnetCmd[devnetCmd.indexOf('--ogmios-port') + 1]}`);
      expect(config.evm.factory).toBe(DEVNET_DEFAULT_FACTORY); // where the devnet deploys it
      expect(Number.parseInt(s.stop_grace_period!, 10) * 1000).toBeGreaterThan(config.shutdownTimeoutMs);
    }
  });

  it('puts nginx in front of every relayer on its HTTP port, REST and /ws', () => {
    const volume = compose.services.nginx!.volumes![0]!.split(':')[0]!;
    const conf = readFileSync(path.resolve(DEPLOY, volume), 'utf8');
    const upstreams = [...conf.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstreams).toEqual(relayers.map(([n, s]) => `${n}:${loadConfig(resolveEnv(s.environment!)).httpPort}`));
    expect(conf).toMatch(/location \/ws \{[^}]*Upgrade \$http_upgrade/);
  });
});

describe('Kubernetes manifests', () => {
  const docs = (file: string) => parseAllDocuments(read(`deploy/k8s/${file}`)).map((d) => d.toJS() as Record<string, any>);
  const kustomization = docs('kustomization.yaml')[0]!;
  const [deployment] = docs('deployment.yaml');
  const [service] = docs('service.yaml');
  const [pdb] = docs('pdb.yaml');
  const env: Env = { ...docs('configmap.yaml')[0]!.data, ...docs('secret.example.yaml')[0]!.stringData };
  const pod = deployment!.spec.template;
  const container = pod.spec.containers[0];
  const portByName = new Map<string, number>(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));

  it('lists files that exist, and keeps the Secret out of the applied set', () => {
    for (const r of kustomization.resources as string[]) expect(existsSync(path.join(DEPLOY, 'k8s', r)), r).toBe(true);
    expect(kustomization.resources).not.toContain('secret.example.yaml');
  });

  it('configures the relayer with variables the config accepts', () => {
    expectKnownVariables(env, 'ConfigMap + Secret');
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'fusion-relayer' } }, { secretRef: { name: 'fusion-relayer' } }]);
  });

  it('opens the configured ports, probes real paths on them, and runs the image command', () => {
    const config = loadConfig(env);
    expect(portByName.get('http')).toBe(config.httpPort);
    expect(portByName.get('ws')).toBe(config.wsPort);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(portByName.has(container[probe].httpGet.port), probe).toBe(true);
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(Number(pod.metadata.annotations['prometheus.io/port'])).toBe(config.httpPort);
    const image = JSON.parse(dockerfile().find((i) => i.stage === 'relayer' && i.op === 'CMD')!.args);
    expect(container.command).toEqual(image);
  });

  it('gives the drain more time than SHUTDOWN_TIMEOUT_MS and runs as non-root', () => {
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(loadConfig(env).shutdownTimeoutMs);
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(pod.spec.securityContext.runAsUser).toBe(1000); // `node` in the node images
  });

  it('selects its own pods from the Service and the PodDisruptionBudget', () => {
    const labels = pod.metadata.labels as Env;
    const matches = (selector: Env) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(deployment!.spec.selector.matchLabels)).toBe(true);
    expect(matches(service!.spec.selector)).toBe(true);
    expect(matches(pdb!.spec.selector.matchLabels)).toBe(true);
    for (const p of service!.spec.ports) expect(portByName.has(p.targetPort), p.targetPort).toBe(true);
    expect(pdb!.spec.minAvailable).toBeLessThan(deployment!.spec.replicas);
  });
});

describe('every path the files probe or route to is served', () => {
  let pg: TestPostgres;
  let relayer: RunningRelayer;
  beforeAll(async () => {
    pg = await withPostgres({ migrate: false });
    relayer = await startRelayer(loadConfig({ HTTP_PORT: '0', WS_PORT: '0', HOST: '127.0.0.1', DATABASE_URL: pg.url, DEVNET: 'off' }), {
      logger: createLogger({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await relayer?.stop();
    await pg?.drop();
  });

  it('answers the probes, the health check and the scrape path with 200', async () => {
    const deployment = parse(read('deploy/k8s/deployment.yaml')) as Record<string, any>;
    const c = deployment.spec.template.spec.containers[0];
    const paths = new Set<string>([
      c.startupProbe.httpGet.path,
      c.livenessProbe.httpGet.path,
      c.readinessProbe.httpGet.path,
      deployment.spec.template.metadata.annotations['prometheus.io/path'],
      /'(\/health\/[a-z]+)'/.exec(read('deploy/Dockerfile'))![1]!,
    ]);
    for (const p of paths) expect((await fetch(`${relayer.httpUrl}${p}`)).status, p).toBe(200);
  });

  it('accepts WebSocket upgrades at the path nginx forwards (/ws on the HTTP port)', async () => {
    const location = /location (\/ws) \{/.exec(read('deploy/compose/nginx.conf'))![1]!;
    const ws = new WebSocket(`${relayer.httpUrl.replace('http', 'ws')}${location}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
  });
});
