// A fast path for parsing cluster objects at the boundary: most objects pass their (loose) schema
// unchanged, and a schema parse of them only copies them. `passesUnchanged(schema)` answers, without
// copying, whether parsing a value would succeed and give back an equal value; only when it cannot
// say yes does the caller run the schema itself (for a default to fill in, or the error to report).
// The check is derived from the schema's own definition, so it follows schema changes; any schema
// construct it does not know (transforms, refinements, other checks and formats) answers "no".
import type { z } from 'zod';

type Check = (value: unknown) => boolean;

const never: Check = () => false;
const checks = new WeakMap<z.core.$ZodType, Check>();

/** A function that is true only for values the schema parses successfully into an equal value. */
export function passesUnchanged(schema: z.core.$ZodType): Check {
  let check = checks.get(schema);
  if (check === undefined) {
    check = compile(schema);
    checks.set(schema, check);
  }
  return check;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `__proto__` as an own key is special to every object copy: leave such values to the schema. */
function hasProtoKey(value: object): boolean {
  return Object.prototype.hasOwnProperty.call(value, '__proto__');
}

function checkDefs(schema: z.core.$ZodType): readonly z.core.$ZodCheckDef[] {
  return (schema._zod.def.checks ?? []).map((c) => c._zod.def);
}

function compile(schema: z.core.$ZodType): Check {
  const def = schema._zod.def;
  switch (def.type) {
    case 'unknown':
    case 'any':
      return () => true;
    case 'boolean':
      return checkDefs(schema).length === 0 ? (value) => typeof value === 'boolean' : never;
    case 'string':
      return compileString(schema);
    case 'number':
      return compileNumber(schema);
    case 'optional': {
      // An exact optional rejects an explicit undefined; an optional default fills one in.
      const innerType = (def as z.core.$ZodOptionalDef).innerType;
      if (schema._zod.traits.has('$ZodExactOptional') || innerType._zod.optin === 'defaulted') return never;
      const inner = passesUnchanged(innerType);
      return (value) => value === undefined || inner(value);
    }
    case 'nullable': {
      const inner = passesUnchanged((def as z.core.$ZodNullableDef).innerType);
      return (value) => value === null || inner(value);
    }
    case 'default': {
      // An absent value gets the default: the output differs from the input.
      const inner = passesUnchanged((def as z.core.$ZodDefaultDef).innerType);
      return (value) => value !== undefined && inner(value);
    }
    case 'array': {
      if (checkDefs(schema).length > 0) return never;
      const element = passesUnchanged((def as z.core.$ZodArrayDef).element);
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (const item of value as unknown[]) if (!element(item)) return false;
        return true;
      };
    }
    case 'record':
      return compileRecord(schema, def as z.core.$ZodRecordDef);
    case 'object':
      return compileObject(schema, def as z.core.$ZodObjectDef);
    case 'union': {
      const options = (def as z.core.$ZodUnionDef).options.map((option) => passesUnchanged(option));
      return (value) => options.some((option) => option(value));
    }
    default:
      return never;
  }
}

function compileString(schema: z.core.$ZodType): Check {
  const def = schema._zod.def as z.core.$ZodStringDef;
  if (def.coerce === true) return never;
  let minimum = 0;
  for (const check of checkDefs(schema)) {
    if (check.check !== 'min_length') return never;
    minimum = Math.max(minimum, (check as z.core.$ZodCheckMinLengthDef).minimum);
  }
  return (value) => typeof value === 'string' && value.length >= minimum;
}

function compileNumber(schema: z.core.$ZodType): Check {
  const def = schema._zod.def as z.core.$ZodNumberDef;
  if (def.coerce === true) return never;
  let integer = false;
  for (const check of checkDefs(schema)) {
    if (check.check !== 'number_format' || (check as z.core.$ZodCheckNumberFormatDef).format !== 'safeint') {
      return never;
    }
    integer = true;
  }
  return integer ? (value) => Number.isSafeInteger(value) : (value) => Number.isFinite(value);
}

function compileRecord(schema: z.core.$ZodType, def: z.core.$ZodRecordDef): Check {
  const keyDef = def.keyType._zod.def;
  if (checkDefs(schema).length > 0 || keyDef.type !== 'string' || checkDefs(def.keyType).length > 0) return never;
  const valueCheck = passesUnchanged(def.valueType);
  return (value) => {
    if (!isPlainObject(value) || hasProtoKey(value)) return false;
    for (const key in value) if (!valueCheck(value[key])) return false;
    return Object.getOwnPropertySymbols(value).length === 0;
  };
}

function compileObject(schema: z.core.$ZodType, def: z.core.$ZodObjectDef): Check {
  // Only loose objects keep unknown keys as they are; others drop or reject them.
  if (checkDefs(schema).length > 0 || def.catchall?._zod.def.type !== 'unknown') return never;
  const fields = Object.entries(def.shape).map(([key, field]) => ({ key, check: passesUnchanged(field) }));
  return (value) => {
    if (!isObject(value) || hasProtoKey(value)) return false;
    for (const field of fields) if (!field.check(value[field.key])) return false;
    return true;
  };
}
