/**
 * Request validation with the typebox compiler (no coercion of bodies: `"1"` is not a number,
 * and query strings are declared as strings so `limit=1.5` cannot be silently truncated).
 * Each failure is turned into `{ path, code, message }`: the code comes from the failing
 * schema's `x-error-code` tag, or is UNKNOWN_FIELD / VALIDATION_ERROR.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { clipInput } from './echo.js';

export interface FieldIssue {
  /** JSON pointer inside the part, e.g. `/order/auction/startAmount`. */
  path: string;
  code: string;
  message: string;
}

/** What fastify receives as `error.validation`; `instancePath`/`message` keep its formatter working. */
export interface ValidationFailure extends FieldIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

interface RawError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function schemaAt(root: unknown, pointer: string): Record<string, unknown> | null {
  const parts = pointer.replace(/^#\/?/, '').split('/').filter((p) => p.length > 0);
  let node: unknown = root;
  for (const raw of parts) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : null;
}

function toFailures(root: TSchema, errors: RawError[]): ValidationFailure[] {
  const out: ValidationFailure[] = [];
  for (const e of errors) {
    // typebox reports an unknown property twice (a `false` sub-schema and `additionalProperties`); keep one.
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) continue;
    if (e.keyword === 'additionalProperties') {
      const names = (e.params.additionalProperties as string[] | undefined) ?? [];
      for (const raw of names) {
        const name = clipInput(raw); // client-chosen: a 20 kB name is cut, not mirrored
        const path = `${e.instancePath}/${name}`;
        out.push({ path, instancePath: path, code: 'UNKNOWN_FIELD', keyword: e.keyword, params: {}, message: `unknown field "${name}"` });
      }
      continue;
    }
    if (e.keyword === 'required') {
      const names = (e.params.requiredProperties as string[] | undefined) ?? [];
      for (const name of names.length > 0 ? names : ['?']) {
        const path = `${e.instancePath}/${name}`;
        out.push({ path, instancePath: path, code: 'VALIDATION_ERROR', keyword: e.keyword, params: e.params, message: 'is required' });
      }
      continue;
    }
    const tagged = schemaAt(root, e.schemaPath)?.['x-error-code'];
    out.push({
      path: e.instancePath || '/',
      instancePath: e.instancePath,
      code: typeof tagged === 'string' ? tagged : 'VALIDATION_ERROR',
      keyword: e.keyword,
      params: e.params,
      message: e.message,
    });
  }
  return out;
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const check = Compile(schema);
  return (value: unknown) => {
    if (check.Check(value)) return { value };
    return { error: toFailures(schema, check.Errors(value) as RawError[]) as never };
  };
};

/** The failure that names the request's error code: the first unknown field, else the first one. */
export function primaryFailure(failures: FieldIssue[]): FieldIssue | undefined {
  return failures.find((f) => f.code === 'UNKNOWN_FIELD') ?? failures[0];
}
