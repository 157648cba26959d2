// From answers to a checked object, pure: which required flags are missing, whether one answer is
// right (its own check, the kind's schema and the controller's checks on the fields it writes),
// and the object built from all of them.
import type { KubeObject } from '../../api/meta.ts';
import type { Catalog } from './catalog.ts';
import { objectProblems, problemsOf, withFlag, type Prediction } from './check-object.ts';
import { flagName, isSet, type Answer, type Answers, type CreateKind, type Question } from './questions.ts';

/** The answers given as flags, by question key (commander's option values). */
export function answersFromFlags(kind: CreateKind, flags: Readonly<Record<string, unknown>>): Map<string, Answer> {
  const answers = new Map<string, Answer>();
  for (const question of kind.questions) {
    const value = flags[question.key];
    if (typeof value === 'string' || typeof value === 'boolean') answers.set(question.key, value);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string') && value.length > 0) {
      answers.set(question.key, value);
    }
  }
  return answers;
}

/** Flags a run without a terminal needs but was not given, e.g. `--name`, `--destination`. */
export function missingFlags(kind: CreateKind, answers: Answers): string[] {
  return kind.questions.filter((q) => q.required === true && !isSet(answers.get(q.key))).map(flagName);
}

/** Why this answer is wrong, or undefined. */
export function checkAnswer(
  kind: CreateKind,
  question: Question,
  value: Answer,
  answers: Answers,
  catalog: Catalog,
): string | undefined {
  if (question.required === true && !isSet(value)) return `${flagName(question)} is required`;
  if (!isSet(value)) return undefined;
  const own = question.check?.(value, catalog, answers);
  if (own !== undefined) return own;
  const trial = new Map(answers);
  trial.set(question.key, value);
  // A name is needed for the object to be whole; the question being asked may come before it.
  if (!isSet(trial.get('name'))) trial.set('name', 'unnamed');
  const { problems } = objectProblems(kind.build(trial, catalog), catalog);
  const mine = problemsOf(question, problems);
  return mine.length === 0 ? undefined : mine.join('; ');
}

/** Fills defaults for questions that apply and were not answered. */
export function withDefaults(kind: CreateKind, given: Answers, catalog: Catalog): Map<string, Answer> {
  const answers = new Map(given);
  for (const question of kind.questions) {
    if (question.when !== undefined && !question.when(answers)) {
      answers.delete(question.key);
      continue;
    }
    if (answers.has(question.key)) continue;
    const value = question.default?.(catalog, answers);
    if (value !== undefined) answers.set(question.key, value);
  }
  return answers;
}

export type Built =
  | { readonly ok: true; readonly object: KubeObject; readonly prediction: Prediction | undefined }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * The object from complete answers: every answer checked (each problem prefixed with its flag), then
 * the object as a whole.
 */
export function buildChecked(kind: CreateKind, given: Answers, catalog: Catalog): Built {
  const answers = withDefaults(kind, given, catalog);
  const problems: string[] = [];
  for (const question of kind.questions) {
    if (question.when !== undefined && !question.when(answers)) continue;
    const value = answers.get(question.key);
    if (value === undefined) {
      if (question.required === true) problems.push(`${flagName(question)} is required`);
      continue;
    }
    const own = question.check?.(value, catalog, answers);
    if (isSet(value) && own !== undefined) problems.push(`${flagName(question)}: ${own}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const object = kind.build(answers, catalog);
  const checked = objectProblems(object, catalog);
  if (checked.problems.length > 0) {
    return { ok: false, problems: checked.problems.map((p) => withFlag(p, kind.questions)) };
  }
  return { ok: true, object, prediction: checked.prediction };
}
