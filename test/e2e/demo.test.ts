/** `npm run demo` is part of the suite: a full ETH → ADA swap must end `executed`, exit code 0. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('swaps ETH-chain tokens for ADA through the relayer and ends executed', { timeout: 300_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/swap.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);

    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines.at(-1)!) as { orderHash: string; status: string; srcChain: string; dstChain: string; txs: Record<string, string> };
    expect(result.status).toBe('executed');
    expect(result.srcChain).toBe('31337');
    expect(result.dstChain).toBe('cardano:devnet');
    expect(Object.keys(result.txs).sort()).toEqual(['dstEscrow', 'dstWithdraw', 'srcEscrow', 'srcWithdraw']);
    // Every stage was shown, in order.
    const stages = lines.filter((l) => /^maker: \[\d\/6\]/.test(l)).map((l) => l.split(/\s+/)[2]);
    expect(stages).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed']);
  });
});
