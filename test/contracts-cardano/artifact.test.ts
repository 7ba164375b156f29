/**
 * The committed escrow artifact: rebuilding it from the plu-ts source reproduces
 * contracts/cardano/escrow.plutus.json byte for byte, and the loader agrees with it.
 */
import { readFileSync } from 'node:fs';
import { Core } from '@blaze-cardano/sdk';
import { describe, expect, it } from 'vitest';
import { buildEscrowArtifact, buildOrderArtifact, ESCROW_ARTIFACT, ORDER_ARTIFACT, serializeArtifact } from '../../contracts/cardano/build.js';
import { escrowScript, orderScript } from '../../contracts/cardano/index.js';

describe('escrow.plutus.json', () => {
  it('rebuilding reproduces the committed file byte for byte', () => {
    expect(serializeArtifact(buildEscrowArtifact())).toBe(readFileSync(ESCROW_ARTIFACT, 'utf8'));
  });

  it('the loader exposes a Plutus V3 script whose hash is the committed hash', () => {
    const json = JSON.parse(readFileSync(ESCROW_ARTIFACT, 'utf8')) as { type: string; cborHex: string; hash: string };
    expect(json.type).toBe('PlutusScriptV3');
    expect(escrowScript.cborHex).toBe(json.cborHex);
    expect(escrowScript.script.hash()).toBe(json.hash);
    expect(escrowScript.hash).toBe(json.hash);
    expect(escrowScript.script.toCore().__type).toBe(Core.Cardano.ScriptType.Plutus);
    expect((escrowScript.script.toCore() as { version: number }).version).toBe(Core.PlutusLanguageVersion.V3);
  });

  it('addresses: enterprise script address, addr_test on network 0 and addr on 1, same credential', () => {
    const testnet = escrowScript.address(0);
    const mainnet = escrowScript.address(1);
    expect(testnet.toBech32()).toMatch(/^addr_test1w/);
    expect(mainnet.toBech32()).toMatch(/^addr1w/);
    expect(testnet.getProps().paymentPart).toEqual({ type: Core.CredentialType.ScriptHash, hash: escrowScript.hash });
  });
});

describe('order.plutus.json', () => {
  it('rebuilding for the committed escrow hash reproduces the committed file byte for byte', () => {
    expect(serializeArtifact(buildOrderArtifact(escrowScript.hash))).toBe(readFileSync(ORDER_ARTIFACT, 'utf8'));
  });

  it('the loader exposes the order script (Plutus V3) at its own enterprise address', () => {
    const json = JSON.parse(readFileSync(ORDER_ARTIFACT, 'utf8')) as { type: string; cborHex: string; hash: string };
    expect(json.type).toBe('PlutusScriptV3');
    expect(orderScript.script.hash()).toBe(json.hash);
    expect((orderScript.script.toCore() as { version: number }).version).toBe(Core.PlutusLanguageVersion.V3);
    expect(orderScript.address(0).toBech32()).toMatch(/^addr_test1w/);
    expect(orderScript.hash).not.toBe(escrowScript.hash);
  });
});
