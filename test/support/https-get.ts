/** A GET over HTTPS trusting `ca` (node's fetch takes no CA): status, headers and body text. */
import { request } from 'node:https';

export function httpsGet(url: string, opts: { ca?: Buffer; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ...(opts.ca ? { ca: opts.ca } : {}), headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
