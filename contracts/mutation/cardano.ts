/**
 * Mutants of the Plutus escrow validator (contracts/cardano/validator.ts), enumerated over its
 * syntax tree (TypeScript compiler API) inside the `escrowValidator` body:
 *
 * - drop-conjunct   `a.and(b)` → `a`, and for the head of a chain `a.and(b)` → `b`: every rule of
 *                   every redeemer, and every part of "the payee is paid", left out one at a time;
 * - flip-comparison `ltEq` ↔ `lt`, `gtEq` ↔ `gt`: every window boundary off by one;
 * - swap-field      `d.withdrawTo` ↔ `d.cancelTo`, `d.taker` → `d.maker`, the times among themselves,
 *                   `d.hashlock` → `d.orderHash`, `d.amount` → `d.safetyDeposit`, policy ↔ asset name;
 * - swap-bound      `lower` ↔ `upper` where a rule reads one of them.
 *
 * A mutant is compiled in memory: the mutated source is written to a temporary directory (with a
 * `node_modules` link so it imports the same plu-ts), imported, and its `compileEscrow()` output
 * wrapped as a text envelope there. The committed escrow.plutus.json is never written.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { envelopeOf } from '../cardano/artifact.js';
import { applyEdit, collapse, lineAt, withKeys, type Mutant } from './mutant.js';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const VALIDATOR = 'contracts/cardano/validator.ts';

/** The contract tests that judge a Cardano mutant. */
export const CARDANO_TESTS = ['test/contracts-cardano/escrow.test.ts'];

const FIELD_SWAPS: Record<string, string[]> = {
  withdrawTo: ['cancelTo'],
  cancelTo: ['withdrawTo'],
  taker: ['maker'],
  maker: ['taker'],
  withdrawalAt: ['publicWithdrawalAt', 'cancellationAt'],
  publicWithdrawalAt: ['withdrawalAt', 'cancellationAt'],
  cancellationAt: ['withdrawalAt', 'publicWithdrawalAt'],
  hashlock: ['orderHash'],
  amount: ['safetyDeposit'],
  policyId: ['assetName'],
  assetName: ['policyId'],
};
const FLIPS: Record<string, string> = { ltEq: 'lt', lt: 'ltEq', gtEq: 'gt', gt: 'gtEq' };
/** Objects whose fields are the datum's: `d` (the datum) and `asset` (its asset). */
const DATUM_OBJECTS = new Set(['d', 'asset']);

const clip = (s: string): string => (s.length > 100 ? `${s.slice(0, 97)}...` : s);

export function enumerateCardano(source = readFileSync(path.join(REPO, VALIDATOR), 'utf8')): Mutant[] {
  const sf = ts.createSourceFile(VALIDATOR, source, ts.ScriptTarget.ES2022, true);
  let body: ts.Node | undefined;
  sf.forEachChild(function find(node) {
    if (ts.isVariableDeclaration(node) && node.name.getText(sf) === 'escrowValidator') body = node.initializer;
    else node.forEachChild(find);
  });
  if (!body) throw new Error('escrowValidator not found in validator.ts');

  const out: Omit<Mutant, 'key'>[] = [];
  /** `shown`/`replacement` describe the mutant; the edit replaces [start, end) with `text`. */
  const add = (operator: string, shown: string, replacement: string, start: number, end: number, text: string) => {
    out.push({
      target: 'cardano',
      file: VALIDATOR,
      line: lineAt(source, start),
      operator,
      original: clip(collapse(shown)),
      replacement: clip(collapse(replacement)),
      edit: { start, end, replacement: text },
    });
  };
  const isAndCall = (n: ts.Node): n is ts.CallExpression =>
    ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'and' && n.arguments.length === 1;

  const visit = (node: ts.Node): void => {
    if (isAndCall(node)) {
      const left = (node.expression as ts.PropertyAccessExpression).expression;
      const right = node.arguments[0]!;
      // Drop the right conjunct: `a.and(b)` → `a`.
      add('drop-conjunct', `.and(${right.getText(sf)})`, '', left.getEnd(), node.getEnd(), '');
      // Drop the head of a chain: `a.and(b)` → `b`.
      if (!isAndCall(left)) add('drop-conjunct', left.getText(sf), '', node.getStart(sf), node.getEnd(), right.getText(sf));
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const name = node.expression.name;
      const flipped = FLIPS[name.text];
      if (flipped) {
        const call = node.getText(sf);
        const at = name.getStart(sf) - node.getStart(sf);
        add('flip-comparison', call, call.slice(0, at) + flipped + call.slice(at + name.text.length), name.getStart(sf), name.getEnd(), flipped);
      }
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && DATUM_OBJECTS.has(node.expression.text)) {
      for (const other of FIELD_SWAPS[node.name.text] ?? []) {
        const operator = node.name.text === 'withdrawTo' || node.name.text === 'cancelTo' ? 'swap-payee' : 'swap-field';
        add(operator, context(node), context(node, `${node.expression.text}.${other}`), node.getStart(sf), node.getEnd(), `${node.expression.text}.${other}`);
      }
    }
    if (ts.isIdentifier(node) && (node.text === 'lower' || node.text === 'upper')) {
      const parent = node.parent;
      const isDeclaration = ts.isVariableDeclaration(parent) && parent.name === node;
      const other = node.text === 'lower' ? 'upper' : 'lower';
      if (!isDeclaration) add('swap-bound', context(node), context(node, other), node.getStart(sf), node.getEnd(), other);
    }
    node.forEachChild(visit);
  };
  /** The smallest enclosing call that says where `node` is used, with `node` optionally replaced. */
  const context = (node: ts.Node, replacement?: string): string => {
    let outer: ts.Node = node;
    while (outer.parent && !(ts.isCallExpression(outer.parent) && outer.parent !== node.parent?.parent?.parent)) outer = outer.parent;
    const around = outer.parent ?? outer;
    const text = around.getText(sf);
    if (replacement === undefined) return text;
    const at = node.getStart(sf) - around.getStart(sf);
    return text.slice(0, at) + replacement + text.slice(at + node.getWidth(sf));
  };
  visit(body);
  return withKeys(out);
}

export interface CardanoBuild {
  /** envelope JSON of the mutant */
  artifact: string;
  cborHex: string;
}

/**
 * Compiles the validator with `edit` applied, inside `dir`; returns the envelope written there.
 * `mutant === undefined` compiles the unmodified source (the baseline).
 */
export async function buildCardano(mutant: Mutant | undefined, dir: string): Promise<CardanoBuild> {
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, 'node_modules');
  if (!existsSync(link)) symlinkSync(path.join(REPO, 'node_modules'), link, 'dir');
  const source = readFileSync(path.join(REPO, VALIDATOR), 'utf8');
  const file = path.join(dir, 'validator.ts');
  writeFileSync(file, mutant ? applyEdit(source, mutant.edit) : source);
  const mod = (await import(pathToFileURL(file).href)) as { compileEscrow(): Uint8Array };
  const envelope = envelopeOf(mod.compileEscrow(), mutant ? `mutant: ${mutant.key}` : 'baseline');
  const artifact = path.join(dir, 'escrow.plutus.json');
  writeFileSync(artifact, JSON.stringify(envelope, null, 2) + '\n');
  return { artifact, cborHex: envelope.cborHex };
}
