// The questions `meshctl create` asks, as data: each has the flag that answers it without a prompt,
// the prompt's text and choices, and the spec fields it writes (so an error on such a field is
// reported against this question, naming its flag). One module per kind lists its questions.
import type { KubeObject } from '../../api/meta.ts';
import type { Catalog } from './catalog.ts';

/** A text, a choice, several choices (repeatable flags) or yes/no. */
export type Answer = string | boolean | readonly string[];
export type Answers = ReadonlyMap<string, Answer>;

export interface Choice {
  readonly value: string;
  readonly name: string;
  readonly description?: string;
}

export type QuestionType =
  /** Free text; empty means "not set" unless the question is required. */
  | 'text'
  /** One of the choices. */
  | 'select'
  /** Several of the choices (or, with no choices to offer, a comma-separated list). */
  | 'multi'
  /** Several targets, each with a weight: answered as `TARGET:WEIGHT` strings. */
  | 'weighted'
  | 'confirm';

export interface Question {
  /** The answer's key: the flag's long name without dashes, camel-cased as commander does. */
  readonly key: string;
  /** Commander's flag text, e.g. `--timeout <duration>`. */
  readonly flag: string;
  readonly help: string;
  readonly message: string;
  readonly type: QuestionType;
  readonly required?: boolean;
  /** Whether the question applies, given the answers before it (e.g. per-try timeout after retries). */
  readonly when?: (answers: Answers) => boolean;
  readonly choices?: (catalog: Catalog, answers: Answers) => readonly Choice[];
  readonly default?: (catalog: Catalog, answers: Answers) => Answer | undefined;
  /** The spec fields this answer writes: errors on them are this question's. */
  readonly fields: readonly string[];
  /** Checks beyond the schema and the controller's (references exist, the name is free). */
  readonly check?: (value: Answer, catalog: Catalog, answers: Answers) => string | undefined;
}

/** One kind `meshctl create` writes: its questions in the order asked and how answers make the object. */
export interface CreateKind {
  /** `trafficpolicy`, the command word. */
  readonly word: string;
  /** The kind's short name, as kubectl knows it (`tp`). */
  readonly alias: string;
  readonly kind: string;
  readonly questions: readonly Question[];
  /** The object from the answers; tolerates missing answers (they leave fields out). */
  readonly build: (answers: Answers, catalog: Catalog) => KubeObject;
}

/** The long flag of a question, e.g. `--timeout`. */
export function flagName(question: Question): string {
  const match = /--[a-z0-9-]+/.exec(question.flag);
  return match?.[0] ?? question.flag;
}

/** A string answer, or undefined when unset or empty. */
export function textOf(answers: Answers, key: string): string | undefined {
  const value = answers.get(key);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The entries of a list answer, without empty ones. `split` also splits each entry at commas, for
 * lists whose items never contain one (`--destination a.b.c,d.e.f`); label selectors do.
 */
export function itemsOf(value: Answer | undefined, split = false): string[] {
  if (value === undefined || typeof value === 'boolean') return [];
  const entries = typeof value === 'string' ? [value] : value;
  return entries
    .flatMap((v) => (split ? v.split(',') : [v]))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function listOf(answers: Answers, key: string, split = false): string[] {
  return itemsOf(answers.get(key), split);
}

export function isSet(value: Answer | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return true;
  if (typeof value === 'string') return value.trim() !== '';
  return value.length > 0;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dnsLabelProblem(value: string): string | undefined {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    return `${JSON.stringify(value)} is not a DNS label (lower-case letters, digits and '-', at most 63)`;
  }
  return undefined;
}

export function objectNameProblem(value: string): string | undefined {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    return `${JSON.stringify(value)} is not a valid object name (lower-case letters, digits, '-' and '.')`;
  }
  return undefined;
}

/** A Service in a cluster, written `NAME.NAMESPACE.CLUSTER` on the command line. */
export interface ServiceRef {
  readonly name: string;
  readonly namespace: string;
  readonly clusterName: string;
}

export function parseServiceRef(text: string): ServiceRef | string {
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => dnsLabelProblem(p) !== undefined)) {
    return `${JSON.stringify(text)}: write NAME.NAMESPACE.CLUSTER (e.g. reviews.bookinfo.cluster-1)`;
  }
  const [name = '', namespace = '', clusterName = ''] = parts;
  return { name, namespace, clusterName };
}

/** `KEY=VALUE[,KEY=VALUE…]` as a label map. */
export function parseLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const match = /^\s*([A-Za-z0-9][-A-Za-z0-9_./]*)=([-A-Za-z0-9_.]*)\s*$/.exec(pair);
    if (match === null) return `${JSON.stringify(text)}: write KEY=VALUE[,KEY=VALUE…] (e.g. app=productpage)`;
    labels[match[1] ?? ''] = match[2] ?? '';
  }
  return labels;
}

/** A traffic-shift target: `NAME.NAMESPACE.CLUSTER[@KEY=VALUE]:WEIGHT`. */
export interface ShiftTarget {
  readonly service: ServiceRef;
  readonly subset?: Readonly<Record<string, string>>;
  readonly weight: number;
}

export function parseShiftTarget(text: string): ShiftTarget | string {
  const usage = `${JSON.stringify(text)}: write NAME.NAMESPACE.CLUSTER[@KEY=VALUE]:WEIGHT (e.g. reviews.bookinfo.cluster-1@version=v2:80)`;
  const match = /^([^@:]+)(?:@([^:]+))?:(\d+)$/.exec(text.trim());
  if (match === null) return usage;
  const service = parseServiceRef(match[1] ?? '');
  if (typeof service === 'string') return usage;
  const weight = Number(match[3]);
  if (!Number.isSafeInteger(weight) || weight > 4294967295) return `${JSON.stringify(text)}: the weight is too large`;
  if (match[2] === undefined) return { service, weight };
  const subset = parseLabels(match[2]);
  if (typeof subset === 'string') return usage;
  return { service, subset, weight };
}
