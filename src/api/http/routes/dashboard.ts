/**
 * The dashboard (issue 14): a static page at `/` and `/orders/<hash>`, plain JS and CSS from
 * src/api/http/dashboard/ (committed, no build step, nothing from elsewhere). The page reads the
 * public API and the public WS channels only, so it can show nothing a stranger could not fetch.
 * Files are read once at registration and served from memory under the app's CSP (helmet):
 * no inline script or style, so `script-src 'self'` holds.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { HttpApp } from '../app.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dashboard');

const ASSETS: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

export function registerDashboardRoutes(app: HttpApp): void {
  const index = readFileSync(join(DIR, 'index.html'));
  const assets = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(join(DIR, name)) }]));
  const page = { schema: { hide: true } } as const;

  // One page for every view; the script routes on location.pathname.
  const sendIndex = async (_request: unknown, reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  app.get('/', page, sendIndex);
  app.get('/orders/:orderHash', page, sendIndex);
  app.get('/dashboard/:file', page, async (request, reply) => {
    const asset = assets.get((request.params as { file: string }).file);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });
}
