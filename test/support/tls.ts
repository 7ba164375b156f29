/**
 * A throwaway self-signed certificate for 127.0.0.1/localhost, made by the openssl CLI in a temp
 * directory for one test run (no key is ever committed). `ca` is the certificate itself: a client
 * that trusts it is what an operator's client trusting their own CA looks like.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  ca: Buffer;
  remove(): Promise<void>;
}

export async function selfSignedCertificate(): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'relayer-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { certFile, keyFile, ca: await readFile(certFile), remove: () => rm(dir, { recursive: true, force: true }) };
}
