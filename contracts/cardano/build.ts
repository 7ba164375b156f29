/**
 * `npm run build:cardano`: compiles the escrow validator with plu-ts and writes
 * contracts/cardano/escrow.plutus.json, then the order script (parameterised by the escrow's hash)
 * into order.plutus.json (both committed; nothing compiles at run time).
 * A test rebuilds it and checks the result is byte-for-byte the committed file.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envelopeOf, type PlutusScriptEnvelope } from './artifact.js';
import { compileEscrow } from './validator.js';
import { compileOrder } from './order-validator.js';

export const ESCROW_ARTIFACT = fileURLToPath(new URL('./escrow.plutus.json', import.meta.url));

export function buildEscrowArtifact(): PlutusScriptEnvelope {
  return envelopeOf(compileEscrow(), 'Fusion relayer HTLC escrow (plu-ts 0.9, Plutus V3)');
}

export const ORDER_ARTIFACT = fileURLToPath(new URL('./order.plutus.json', import.meta.url));

/** The order script is built for the escrow script's hash (a Fill must create an escrow there). */
export function buildOrderArtifact(escrowHash: string): PlutusScriptEnvelope {
  return envelopeOf(compileOrder(escrowHash), `Fusion relayer order script for escrow ${escrowHash} (plu-ts 0.9, Plutus V3)`);
}

export function serializeArtifact(a: PlutusScriptEnvelope): string {
  return JSON.stringify(a, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const artifact = buildEscrowArtifact();
  writeFileSync(ESCROW_ARTIFACT, serializeArtifact(artifact));
  console.log(`escrow: ${artifact.cborHex.length / 2 - 6} bytes, hash ${artifact.hash} → ${ESCROW_ARTIFACT}`);
  const order = buildOrderArtifact(artifact.hash);
  writeFileSync(ORDER_ARTIFACT, serializeArtifact(order));
  console.log(`order: ${order.cborHex.length / 2 - 6} bytes, hash ${order.hash} → ${ORDER_ARTIFACT}`);
}
