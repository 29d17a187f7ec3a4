// Exact Kubernetes quantities ("500m", "1Gi", 2) for the offline twins of the
// CEL rules that compare them (CEL's quantity library on the API server).
// A value is kept as an exact fraction of BigInts, so "1Ki" equals "1024".
import { QUANTITY } from './formats.ts';

export interface Quantity {
  numerator: bigint;
  denominator: bigint;
}

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY_RE = new RegExp(QUANTITY);
const PARTS_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

/** The exact value of a quantity; undefined when it is not one (CEL's isQuantity() is false). */
export function parseQuantity(value: string | number): Quantity | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? { numerator: BigInt(value), denominator: 1n } : undefined;
  }
  if (!QUANTITY_RE.test(value)) return undefined;
  const parts = PARTS_RE.exec(value);
  if (!parts) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = parts;
  let numerator = BigInt(`${whole}${fraction}` || '0') * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  let power10 = 0;
  if (suffix in BINARY_SUFFIX) {
    numerator *= 2n ** BigInt(BINARY_SUFFIX[suffix] ?? 0);
  } else if (suffix in DECIMAL_SUFFIX) {
    power10 = DECIMAL_SUFFIX[suffix] ?? 0;
  } else {
    const exponent = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
    // A fractional exponent matches the OpenAPI pattern but is no quantity.
    if (!exponent?.[1]) return undefined;
    power10 = Number(exponent[1]);
  }
  if (power10 >= 0) numerator *= 10n ** BigInt(power10);
  else denominator *= 10n ** BigInt(-power10);
  return { numerator, denominator };
}

/** Negative, zero or positive as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

export const ZERO: Quantity = { numerator: 0n, denominator: 1n };
