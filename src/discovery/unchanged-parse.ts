// A fast path for parsing cluster objects at the boundary: most objects pass their (loose) schema
// unchanged, and a schema parse of them only copies them. `passesUnchanged(schema)` answers, without
// copying, whether parsing a value would succeed and give back an equal value; only when it cannot
// say yes does the caller run the schema itself (for a default to fill in, or the error to report).
// The check is derived from the schema's own definition, so it follows schema changes; any schema
// construct it does not know (transforms, refinements, other checks and formats) answers "no".
//
// Every render checks every cluster object, so the check is compiled once per schema into plain
// JavaScript: fixed property names and straight-line tests, which the engine optimises far better
// than a tree of closures reading fields by a variable key. The generated source contains only
// property names, each written as a JSON string literal, and numbers taken from the schema.
import type { z } from 'zod';

type Check = (value: unknown) => boolean;

const checks = new WeakMap<z.core.$ZodType, Check>();

/** A function that is true only for values the schema parses successfully into an equal value. */
export function passesUnchanged(schema: z.core.$ZodType): Check {
  let check = checks.get(schema);
  if (check === undefined) {
    check = new CheckCompiler().compile(schema);
    checks.set(schema, check);
  }
  return check;
}

function checkDefs(schema: z.core.$ZodType): readonly z.core.$ZodCheckDef[] {
  return (schema._zod.def.checks ?? []).map((c) => c._zod.def);
}

const NEVER = 'false';
const ALWAYS = 'true';

/**
 * Helpers the generated code calls. `__proto__` as an own key is special to every object copy, so
 * values with one are left to the schema; records must be plain (as JSON and YAML readers make them).
 */
const PRELUDE = `
const hasOwn = Object.prototype.hasOwnProperty;
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlainObject = (v) => {
  if (!isObject(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
};
`;

/**
 * Compiles one root schema: each array, record and object schema under it becomes one generated
 * function (per root, so each function sees the shapes of one kind of object only); simpler
 * schemas become expressions inlined where they are used.
 */
class CheckCompiler {
  private readonly functions: string[] = [];
  private readonly names = new Map<z.core.$ZodType, string>();

  compile(schema: z.core.$ZodType): Check {
    const root = this.expression(schema, 'value');
    const source = `'use strict';${PRELUDE}${this.functions.join('\n')}\nreturn (value) => ${root};`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema's definition only (see above)
    const factory = new Function(source) as () => Check;
    return factory();
  }

  /** A JavaScript expression over `v` (a local variable name) that is true when the check passes. */
  private expression(schema: z.core.$ZodType, v: string): string {
    const def = schema._zod.def;
    switch (def.type) {
      case 'unknown':
      case 'any':
        return ALWAYS;
      case 'boolean':
        return checkDefs(schema).length === 0 ? `typeof ${v} === 'boolean'` : NEVER;
      case 'string':
        return this.string(schema, v);
      case 'number':
        return this.number(schema, v);
      case 'optional': {
        // An exact optional rejects an explicit undefined; an optional default fills one in.
        const innerType = (def as z.core.$ZodOptionalDef).innerType;
        if (schema._zod.traits.has('$ZodExactOptional') || innerType._zod.optin === 'defaulted') return NEVER;
        return this.either(`${v} === undefined`, this.expression(innerType, v));
      }
      case 'nullable':
        return this.either(`${v} === null`, this.expression((def as z.core.$ZodNullableDef).innerType, v));
      case 'default': {
        // An absent value gets the default: the output differs from the input.
        const inner = this.expression((def as z.core.$ZodDefaultDef).innerType, v);
        return inner === NEVER ? NEVER : `(${v} !== undefined && ${inner})`;
      }
      case 'union': {
        const options = (def as z.core.$ZodUnionDef).options
          .map((option) => this.expression(option, v))
          .filter((option) => option !== NEVER);
        if (options.includes(ALWAYS)) return ALWAYS;
        return options.length === 0 ? NEVER : `(${options.join(' || ')})`;
      }
      case 'array':
      case 'record':
      case 'object': {
        const name = this.functionFor(schema);
        return name === undefined ? NEVER : `${name}(${v})`;
      }
      default:
        return NEVER;
    }
  }

  private either(first: string, second: string): string {
    if (second === NEVER) return first;
    if (second === ALWAYS) return ALWAYS;
    return `(${first} || ${second})`;
  }

  private string(schema: z.core.$ZodType, v: string): string {
    if ((schema._zod.def as z.core.$ZodStringDef).coerce === true) return NEVER;
    let minimum = 0;
    for (const check of checkDefs(schema)) {
      if (check.check !== 'min_length') return NEVER;
      minimum = Math.max(minimum, (check as z.core.$ZodCheckMinLengthDef).minimum);
    }
    return minimum === 0
      ? `typeof ${v} === 'string'`
      : `(typeof ${v} === 'string' && ${v}.length >= ${String(minimum)})`;
  }

  private number(schema: z.core.$ZodType, v: string): string {
    if ((schema._zod.def as z.core.$ZodNumberDef).coerce === true) return NEVER;
    let integer = false;
    for (const check of checkDefs(schema)) {
      if (check.check !== 'number_format' || (check as z.core.$ZodCheckNumberFormatDef).format !== 'safeint') {
        return NEVER;
      }
      integer = true;
    }
    return integer ? `Number.isSafeInteger(${v})` : `Number.isFinite(${v})`;
  }

  /** The name of the generated function checking an array, record or object schema; undefined for "never". */
  private functionFor(schema: z.core.$ZodType): string | undefined {
    const known = this.names.get(schema);
    if (known !== undefined) return known;
    const name = `check${String(this.names.size)}`;
    // Named before its body is made, so a schema that contains itself calls its own function.
    this.names.set(schema, name);
    const body = this.body(schema);
    // A "never" still gets its function, in case a schema under it already calls it.
    this.functions.push(`function ${name}(v) {\n${body ?? 'return false;'}\n}`);
    return body === undefined ? undefined : name;
  }

  private body(schema: z.core.$ZodType): string | undefined {
    const def = schema._zod.def;
    if (checkDefs(schema).length > 0) return undefined;
    if (def.type === 'array') {
      // An array of a "never" element still passes empty; so does a record of one.
      const element = this.expression((def as z.core.$ZodArrayDef).element, 'e');
      return [
        'if (!Array.isArray(v)) return false;',
        ...(element === ALWAYS
          ? []
          : ['for (let i = 0; i < v.length; i++) {', '  const e = v[i];', `  if (!(${element})) return false;`, '}']),
        'return true;',
      ].join('\n');
    }
    if (def.type === 'record') {
      const { keyType, valueType } = def as z.core.$ZodRecordDef;
      if (keyType._zod.def.type !== 'string' || checkDefs(keyType).length > 0) return undefined;
      const element = this.expression(valueType, 'e');
      return [
        "if (!isPlainObject(v) || hasOwn.call(v, '__proto__')) return false;",
        ...(element === ALWAYS
          ? []
          : ['for (const k in v) {', '  const e = v[k];', `  if (!(${element})) return false;`, '}']),
        'return Object.getOwnPropertySymbols(v).length === 0;',
      ].join('\n');
    }
    if (def.type === 'object') {
      const { shape, catchall } = def as z.core.$ZodObjectDef;
      // Only loose objects keep unknown keys as they are; others drop or reject them.
      if (catchall?._zod.def.type !== 'unknown') return undefined;
      const lines = ["if (!isObject(v) || hasOwn.call(v, '__proto__')) return false;"];
      for (const [key, field] of Object.entries(shape)) {
        const test = this.expression(field, 'f');
        if (test === NEVER) return undefined;
        if (test === ALWAYS) continue;
        lines.push(`{ const f = v[${JSON.stringify(key)}]; if (!(${test})) return false; }`);
      }
      lines.push('return true;');
      return lines.join('\n');
    }
    return undefined;
  }
}
