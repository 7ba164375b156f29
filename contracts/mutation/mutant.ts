/**
 * What a mutant is: one small edit of one contract source, named by the rule it breaks.
 * The edit is applied to a copy in memory; the committed sources and artifacts are never touched.
 */

export type Target = 'cardano' | 'evm';

/** Replace [start, end) of the source (string index for TypeScript, byte offset for Solidity). */
export interface Edit {
  start: number;
  end: number;
  replacement: string;
}

export interface Mutant {
  target: Target;
  /** repo-relative path of the mutated file */
  file: string;
  line: number;
  /** drop-check, drop-conjunct, flip-comparison, swap-payee, ... */
  operator: string;
  /** the original code (whitespace collapsed) */
  original: string;
  replacement: string;
  edit: Edit;
  /**
   * Stable key (no line number, so it survives unrelated edits): file | operator | original → replacement,
   * plus `#n` when the same text occurs several times in the file. The allow-list refers to mutants by it.
   */
  key: string;
}

export const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Fills in `key`, numbering mutants whose file/operator/text repeat. */
export function withKeys(mutants: Omit<Mutant, 'key'>[]): Mutant[] {
  const seen = new Map<string, number>();
  return mutants.map((m) => {
    const base = `${m.file} | ${m.operator} | ${m.original}${m.replacement === '' ? '' : ` → ${m.replacement}`}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { ...m, key: n === 1 ? base : `${base} #${n}` };
  });
}

export function applyEdit(source: string, e: Edit): string {
  return source.slice(0, e.start) + e.replacement + source.slice(e.end);
}

export function applyByteEdit(source: string, e: Edit): string {
  const b = Buffer.from(source, 'utf8');
  return Buffer.concat([b.subarray(0, e.start), Buffer.from(e.replacement, 'utf8'), b.subarray(e.end)]).toString('utf8');
}

export function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}
