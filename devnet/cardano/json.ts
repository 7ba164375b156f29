/**
 * JSON with exact big integers. Ogmios writes lovelace and asset quantities as plain JSON
 * numbers of any size (its client parses them with a big-int JSON parser), so we must never
 * pass them through a float. Node 20 has no `JSON.rawJSON`, hence the placeholder trick:
 * bigints become a tagged string first, and the tag is then replaced by the bare digits.
 */
const TAG = '\u0000bigint:';
const TAGGED = /"\\u0000bigint:(-?\d+)"/g;

export function stringifyOgmios(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${TAG}${v.toString()}` : v)).replace(
    TAGGED,
    '$1',
  );
}
