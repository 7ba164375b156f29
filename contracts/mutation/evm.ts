/**
 * Mutants of the Solidity contracts (contracts/evm/src/**.sol), enumerated over solc's own syntax
 * tree (typed, with byte offsets), and compiled in memory with solc 0.8.37 and the build's settings
 * (optimizer off unless `--optimize`, see buildEvm):
 *
 * - drop-check      `if (c) revert …` / `if (c) return …` → `if (false) …`: every guard left out;
 * - drop-conjunct   `a && b`, `a || b` → `a`, and → `b`;
 * - flip-comparison `<` ↔ `<=`, `>` ↔ `>=`: every boundary off by one;
 * - drop-call       a statement calling one of our internal helpers (`_verify`, `_requireCaller`,
 *                   `_requireWithin`, `_requireFrom`, `_settle`, `_send`, `_pullExact`, …) → `true;`;
 * - drop-effect     an assignment statement (state writes such as `filled[h] = true`) → `true;`;
 * - swap-payee      where an address decides a party (argument of `_send`, `_pullExact`,
 *                   `_requireCaller`, a field of the immutables being built, a comparison): an address
 *                   field of the immutables/order (`maker`, `taker`, `receiver`) → another one, or
 *                   `msg.sender`; `msg.sender` → each of those fields;
 * - swap-stage      `TimelocksLib.Stage.X` → every other source stage;
 * - swap-time       in EscrowDst, a time (`withdrawalAt`, `publicWithdrawalAt`, `cancellationAt`) → another;
 * - swap-arith      `+` ↔ `-`.
 *
 * The mutant's factory bytecode (which embeds both escrow implementations) is written to a temporary
 * directory as `EscrowFactory.json`; the committed artifacts are never written.
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMPILER_SETTINGS, readSources, resolveImport } from '../evm/build.js';
import { applyByteEdit, collapse, withKeys, type Mutant } from './mutant.js';

const require = createRequire(import.meta.url);
const solc = require('solc') as { compile(input: string, callbacks: { import(p: string): unknown }): string };

/** Files mutated (EscrowTypes.sol only declares types). */
export const EVM_FILES = [
  'src/BaseEscrow.sol',
  'src/EscrowSrc.sol',
  'src/EscrowDst.sol',
  'src/EscrowFactory.sol',
  'src/libraries/TimelocksLib.sol',
  'src/libraries/AuctionLib.sol',
];
// OrderHashLib is encoding, not checks: factory-src.test.ts holds hashOrder() equal to the TypeScript orderHash().

const T = (name: string) => `test/contracts-evm/${name}.test.ts`;
/** The contract tests that judge a mutant of each file. */
export const EVM_TESTS: Record<string, string[]> = {
  'src/BaseEscrow.sol': [T('escrow-src'), T('escrow-dst')],
  'src/EscrowSrc.sol': [T('escrow-src')],
  'src/EscrowDst.sol': [T('escrow-dst')],
  'src/EscrowFactory.sol': [T('factory-src'), T('auction'), T('escrow-dst'), T('escrow-src')],
  'src/libraries/TimelocksLib.sol': [T('factory-src'), T('escrow-src')],
  'src/libraries/AuctionLib.sol': [T('auction'), T('factory-src')],
};

/** Address fields that name a party, per struct. */
const ROLES: Record<string, string[]> = { Immutables: ['maker', 'taker'], DstImmutables: ['receiver', 'taker'], Order: ['maker'] };
const DST_TIMES = ['withdrawalAt', 'publicWithdrawalAt', 'cancellationAt'];
const SRC_STAGES = ['SrcWithdrawal', 'SrcPublicWithdrawal', 'SrcCancellation', 'SrcPublicCancellation'];
const FLIPS: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>' };

interface Node {
  nodeType: string;
  src: string;
  [k: string]: unknown;
}
const span = (n: Node): [number, number] => {
  const [s, l] = n.src.split(':').map(Number) as [number, number];
  return [s, s + l];
};
const structOf = (n: Node | undefined): string | undefined =>
  /^struct (\w+)/.exec(((n?.typeDescriptions as { typeString?: string } | undefined)?.typeString) ?? '')?.[1];

/** solc's AST of our sources (parsing and type checking only: fast). */
function parse(sources: Record<string, { content: string }>): Record<string, Node> {
  const input = { language: 'Solidity', sources, settings: { outputSelection: { '*': { '': ['ast'] } } } };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport })) as {
    sources: Record<string, { ast: Node }>;
    errors?: { severity: string; formattedMessage: string }[];
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  return Object.fromEntries(Object.entries(out.sources).map(([k, v]) => [k, v.ast]));
}

/** Callees whose address arguments decide who is paid, who is pulled from, or who may call. */
const WHO_CALLS = new Set(['_send', '_pullExact', '_requireCaller', 'Immutables']);

/**
 * Is this address expression one that decides a party: an argument of a payment/authorisation helper,
 * a field of the source immutables being built, or a side of a comparison (`taker != msg.sender`)?
 */
function decidesWho(stack: Node[]): boolean {
  const parent = stack[stack.length - 1];
  if (parent?.nodeType === 'BinaryOperation') return true;
  return stack.some((n) => {
    const callee = n.nodeType === 'FunctionCall' ? (n.expression as Node) : undefined;
    return callee?.nodeType === 'Identifier' && WHO_CALLS.has(callee.name as string);
  });
}

export function enumerateEvm(sources = readSources()): Mutant[] {
  const asts = parse(sources);
  const out: Omit<Mutant, 'key'>[] = [];
  for (const file of EVM_FILES) {
    const text = sources[file]!.content;
    const bytes = Buffer.from(text, 'utf8');
    const slice = (a: number, b: number) => bytes.subarray(a, b).toString('utf8');
    const lineOf = (offset: number) => bytes.subarray(0, offset).toString('utf8').split('\n').length;
    const add = (operator: string, at: [number, number], shown: string, replacement: string, edit: { start: number; end: number; replacement: string }) =>
      out.push({
        target: 'evm',
        file: `contracts/evm/${file}`,
        line: lineOf(at[0]),
        operator,
        original: collapse(shown),
        replacement: collapse(replacement),
        edit,
      });
    /** `shown` with [a, b) replaced by `r`, for display. */
    const within = (outer: [number, number], a: number, b: number, r: string) => slice(outer[0], a) + r + slice(b, outer[1]);
    const statementOf = (stack: Node[]): [number, number] => {
      for (let i = stack.length - 1; i >= 0; i--) {
        const n = stack[i]!;
        if (/Statement$|^Return$|^VariableDeclarationStatement$/.test(n.nodeType) && n.nodeType !== 'IfStatement') return span(n);
        if (n.nodeType === 'IfStatement') return span(n.condition as Node);
      }
      return span(stack[stack.length - 1]!);
    };

    const walk = (n: unknown, stack: Node[], params: Map<string, string>): void => {
      if (!n || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach((c) => walk(c, stack, params));
      const node = n as Node;
      if (!node.nodeType) return;
      let scope = params;
      if (node.nodeType === 'FunctionDefinition') {
        scope = new Map();
        for (const p of (node.parameters as { parameters: Node[] }).parameters) {
          const s = structOf(p);
          if (s && ROLES[s]) scope.set(p.name as string, s);
        }
      }
      const [start, end] = span(node);
      const ctx = () => statementOf([...stack, node]);

      if (node.nodeType === 'IfStatement') {
        const [cs, ce] = span(node.condition as Node);
        const body = span(node.trueBody as Node);
        add('drop-check', [start, end], `if (${slice(cs, ce)}) ${slice(...body)}`, 'if (false) …', { start: cs, end: ce, replacement: 'false' });
      }
      if (node.nodeType === 'BinaryOperation') {
        const op = node.operator as string;
        const [ls, le] = span(node.leftExpression as Node);
        const [rs, re] = span(node.rightExpression as Node);
        if (op === '&&' || op === '||') {
          add('drop-conjunct', [start, end], slice(start, end), slice(ls, le), { start, end, replacement: slice(ls, le) });
          add('drop-conjunct', [start, end], slice(start, end), slice(rs, re), { start, end, replacement: slice(rs, re) });
        }
        const between = slice(le, rs);
        const at = le + Buffer.byteLength(between.slice(0, between.indexOf(op)));
        const own: [number, number] = [start, end];
        if (FLIPS[op]) add('flip-comparison', own, slice(start, end), within(own, at, at + op.length, FLIPS[op]), { start: at, end: at + op.length, replacement: FLIPS[op] });
        // The price curve's arithmetic is held to the TypeScript one by auction.test.ts's property test.
        if ((op === '+' || op === '-') && !file.endsWith('AuctionLib.sol')) {
          const r = op === '+' ? '-' : '+';
          add('swap-arith', own, slice(start, end), within(own, at, at + 1, r), { start: at, end: at + 1, replacement: r });
        }
      }
      if (node.nodeType === 'ExpressionStatement') {
        const e = node.expression as Node;
        const callee = e.nodeType === 'FunctionCall' ? (e.expression as Node) : undefined;
        if (callee?.nodeType === 'Identifier' && (callee.name as string).startsWith('_')) {
          add('drop-call', [start, end], slice(start, end), '', { start, end, replacement: 'true' });
        }
        if (e.nodeType === 'Assignment') add('drop-effect', [start, end], slice(start, end), '', { start, end, replacement: 'true' });
      }
      if (node.nodeType === 'MemberAccess') {
        const base = node.expression as Node;
        const member = node.memberName as string;
        const struct = structOf(base);
        const c = ctx();
        const swap = (operator: string, to: string) =>
          add(operator, [start, end], slice(...c), within(c, start, end, to), { start, end, replacement: to });
        if (struct && ROLES[struct]?.includes(member) && decidesWho(stack)) {
          const name = slice(...span(base));
          for (const other of ROLES[struct]!.filter((r) => r !== member)) swap('swap-payee', `${name}.${other}`);
          swap('swap-payee', 'msg.sender');
        }
        if (base.nodeType === 'Identifier' && base.name === 'msg' && member === 'sender' && decidesWho(stack)) {
          for (const [param, s] of scope) for (const role of ROLES[s]!) swap('swap-payee', `${param}.${role}`);
        }
        // The factory's ordering check of these times is mutated by flip-comparison and drop-conjunct.
        if (struct === 'DstImmutables' && DST_TIMES.includes(member) && !file.endsWith('EscrowFactory.sol')) {
          const name = slice(...span(base));
          for (const other of DST_TIMES.filter((t) => t !== member)) swap('swap-time', `${name}.${other}`);
        }
        if (base.nodeType === 'MemberAccess' && base.memberName === 'Stage' && SRC_STAGES.includes(member)) {
          const prefix = slice(...span(base));
          for (const other of SRC_STAGES.filter((s) => s !== member)) swap('swap-stage', `${prefix}.${other}`);
        }
      }
      for (const [k, v] of Object.entries(node)) if (k !== 'typeDescriptions' && typeof v === 'object') walk(v, [...stack, node], scope);
    };
    walk(asts[file], [], new Map());
  }
  out.sort((a, b) => (a.file === b.file ? a.edit.start - b.edit.start : EVM_FILES.indexOf(a.file.slice(14)) - EVM_FILES.indexOf(b.file.slice(14))));
  return withKeys(out);
}

export interface EvmBuild {
  /** EscrowFactory.json of the mutant (the harness reads its `bytecode`) */
  artifact: string;
  bytecode: string;
}

/**
 * Compiles the contracts with `mutant` applied (undefined: unmodified, the baseline), in memory, and
 * writes the factory's artifact into `dir`. CBOR metadata is left out so that a mutant whose code is
 * identical to the original is recognised as such (the metadata hash covers the source text).
 */
export function buildEvm(mutant: Mutant | undefined, dir: string, optimize = false): EvmBuild {
  const sources = Object.fromEntries(Object.entries(readSources()).filter(([k]) => k.startsWith('src/')));
  if (mutant) {
    const rel = mutant.file.slice('contracts/evm/'.length);
    sources[rel] = { content: applyByteEdit(sources[rel]!.content, mutant.edit) };
  }
  const settings = {
    ...COMPILER_SETTINGS,
    // The optimizer preserves semantics and quadruples solc-js's time per mutant on two cores; the
    // baseline run proves the tests pass on this build. `--optimize` uses the build's exact settings.
    optimizer: { ...COMPILER_SETTINGS.optimizer, enabled: optimize },
    metadata: { appendCBOR: false },
    outputSelection: { 'src/EscrowFactory.sol': { EscrowFactory: ['evm.bytecode.object'] } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }), { import: resolveImport })) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const bytecode = `0x${out.contracts!['src/EscrowFactory.sol']!.EscrowFactory!.evm.bytecode.object}`;
  mkdirSync(dir, { recursive: true });
  const artifact = path.join(dir, 'EscrowFactory.json');
  writeFileSync(artifact, JSON.stringify({ contractName: 'EscrowFactory', bytecode }) + '\n');
  return { artifact, bytecode };
}
