/**
 * `npm run build:cardano`: compiles the escrow validator with plu-ts and writes
 * contracts/cardano/escrow.plutus.json (committed; nothing compiles at run time).
 * A test rebuilds it and checks the result is byte-for-byte the committed file.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envelopeOf, type PlutusScriptEnvelope } from './artifact.js';
import { compileEscrow } from './validator.js';

export const ESCROW_ARTIFACT = fileURLToPath(new URL('./escrow.plutus.json', import.meta.url));

export function buildEscrowArtifact(): PlutusScriptEnvelope {
  return envelopeOf(compileEscrow(), 'Fusion relayer HTLC escrow (plu-ts 0.9, Plutus V3)');
}

export function serializeArtifact(a: PlutusScriptEnvelope): string {
  return JSON.stringify(a, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const artifact = buildEscrowArtifact();
  writeFileSync(ESCROW_ARTIFACT, serializeArtifact(artifact));
  console.log(`escrow: ${artifact.cborHex.length / 2 - 6} bytes, hash ${artifact.hash} → ${ESCROW_ARTIFACT}`);
}
