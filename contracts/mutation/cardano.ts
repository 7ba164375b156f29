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
export const ORDER_VALIDATOR = 'contracts/cardano/order-validator.ts';

/** The contract tests that judge a mutant of each Cardano validator. */
export const CARDANO_TESTS: Record<string, string[]> = {
  [VALIDATOR]: ['test/contracts-cardano/escrow.test.ts'],
  [ORDER_VALIDATOR]: ['test/contracts-cardano/order.test.ts'],
};

const ESCROW_SWAPS: Record<string, string[]> = {
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
/**
 * The order script: `o` the order datum, `e` the escrow datum it creates, `tl` the order's
 * timelocks, `asset` the maker asset, `au` the auction, `v` a curve vertex.
 */
const ORDER_SWAPS: Record<string, string[]> = {
  orderHash: ['hashlock'],
  hashlock: ['orderHash'],
  maker: ['taker'],
  taker: ['maker'],
  srcWithdrawal: ['srcPublicWithdrawal', 'dstWithdrawal'],
  srcPublicWithdrawal: ['srcWithdrawal', 'dstPublicWithdrawal'],
  srcCancellation: ['srcPublicCancellation', 'dstCancellation'],
  srcPublicCancellation: ['srcCancellation'],
  withdrawalAt: ['publicWithdrawalAt'],
  publicWithdrawalAt: ['withdrawalAt'],
  cancellationAt: ['publicWithdrawalAt'],
  makingAmount: ['srcSafetyDeposit'],
  amount: ['safetyDeposit'],
  safetyDeposit: ['amount'],
  srcSafetyDeposit: ['dstSafetyDeposit'],
  startAmount: ['endAmount'],
  endAmount: ['startAmount'],
  startTime: ['duration'],
  offset: ['amount'],
  policyId: ['assetName'],
  assetName: ['policyId'],
};

interface Subject {
  file: string;
  /** Top-level declarations whose bodies are mutated. */
  declarations: string[];
  swaps: Record<string, string[]>;
  /** Objects whose fields the swaps apply to. */
  objects: Set<string>;
  /** Identifiers that are the validity bounds. */
  bounds: Set<string>;
}

const SUBJECTS: Subject[] = [
  { file: VALIDATOR, declarations: ['escrowValidator'], swaps: ESCROW_SWAPS, objects: new Set(['d', 'asset']), bounds: new Set(['lower', 'upper']) },
  {
    file: ORDER_VALIDATOR,
    declarations: ['pauctionAmount', 'makeOrderValidator'],
    swaps: ORDER_SWAPS,
    objects: new Set(['o', 'e', 'tl', 'asset', 'au', 'v']),
    bounds: new Set(['lower', 'upper']),
  },
];

const FLIPS: Record<string, string> = { ltEq: 'lt', lt: 'ltEq', gtEq: 'gt', gt: 'gtEq' };

const clip = (s: string): string => (s.length > 100 ? `${s.slice(0, 97)}...` : s);

/** Mutants of both Cardano validators (the escrow's first). */
export function enumerateCardano(): Mutant[] {
  return withKeys(SUBJECTS.flatMap((s) => enumerateSubject(s, readFileSync(path.join(REPO, s.file), 'utf8'))));
}

function enumerateSubject(subject: Subject, source: string): Omit<Mutant, 'key'>[] {
  const VALIDATOR = subject.file;
  const FIELD_SWAPS = subject.swaps;
  const DATUM_OBJECTS = subject.objects;
  const sf = ts.createSourceFile(VALIDATOR, source, ts.ScriptTarget.ES2022, true);
  const bodies: ts.Node[] = [];
  sf.forEachChild(function find(node) {
    if (ts.isVariableDeclaration(node) && subject.declarations.includes(node.name.getText(sf)) && node.initializer) bodies.push(node.initializer);
    else if (ts.isFunctionDeclaration(node) && node.name && subject.declarations.includes(node.name.text) && node.body) bodies.push(node.body);
    else node.forEachChild(find);
  });
  if (bodies.length !== subject.declarations.length) throw new Error(`${subject.declarations.join(', ')} not all found in ${VALIDATOR}`);

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
        const operator = ['withdrawTo', 'cancelTo', 'makerAddress'].includes(node.name.text) ? 'swap-payee' : 'swap-field';
        add(operator, context(node), context(node, `${node.expression.text}.${other}`), node.getStart(sf), node.getEnd(), `${node.expression.text}.${other}`);
      }
    }
    if (ts.isIdentifier(node) && subject.bounds.has(node.text) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
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
  for (const body of bodies) visit(body);
  return out;
}

function committedEscrowHash(): string {
  return (JSON.parse(readFileSync(path.join(REPO, 'contracts/cardano/escrow.plutus.json'), 'utf8')) as { hash: string }).hash;
}

/** The environment variable that points the tests of `file`'s validator at a build. */
export const cardanoArtifactEnv = (file: string): string => (file === ORDER_VALIDATOR ? 'CARDANO_ORDER_ARTIFACT' : 'CARDANO_ESCROW_ARTIFACT');

export interface CardanoBuild {
  /** envelope JSON of the mutant */
  artifact: string;
  cborHex: string;
}

/**
 * Compiles the validator with `edit` applied, inside `dir`; returns the envelope written there.
 * `mutant === undefined` compiles the unmodified source (the baseline).
 */
export async function buildCardano(mutant: Mutant | undefined, dir: string, file = mutant?.file ?? VALIDATOR): Promise<CardanoBuild> {
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, 'node_modules');
  if (!existsSync(link)) symlinkSync(path.join(REPO, 'node_modules'), link, 'dir');
  // Both sources side by side (the order validator imports the escrow's datum types), one mutated.
  for (const f of [VALIDATOR, ORDER_VALIDATOR]) {
    const source = readFileSync(path.join(REPO, f), 'utf8');
    writeFileSync(path.join(dir, path.basename(f)), mutant && mutant.file === f ? applyEdit(source, mutant.edit) : source);
  }
  const order = file === ORDER_VALIDATOR;
  const mod = (await import(pathToFileURL(path.join(dir, path.basename(file))).href)) as {
    compileEscrow?(): Uint8Array;
    compileOrder?(escrowHash: string): Uint8Array;
  };
  // An order mutant is built for the committed escrow (its tests run the committed escrow).
  const flat = order ? mod.compileOrder!(committedEscrowHash()) : mod.compileEscrow!();
  const envelope = envelopeOf(flat, mutant ? `mutant: ${mutant.key}` : 'baseline');
  const artifact = path.join(dir, order ? 'order.plutus.json' : 'escrow.plutus.json');
  writeFileSync(artifact, JSON.stringify(envelope, null, 2) + '\n');
  return { artifact, cborHex: envelope.cborHex };
}
