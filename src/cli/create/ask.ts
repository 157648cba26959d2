// Asks a kind's questions on the terminal (@inquirer/prompts), one at a time, skipping those a flag
// answered; each answer is checked when it is given, so a wrong one is asked again with the reason.
import { checkbox, confirm, input, select } from '@inquirer/prompts';
import { CommandError } from '../context.ts';
import { checkAnswer } from './answers.ts';
import type { Catalog } from './catalog.ts';
import { isSet, type Answer, type Choice, type CreateKind, type Question } from './questions.ts';

function cancelled(error: unknown): never {
  if (error instanceof Error && error.name === 'ExitPromptError') throw new CommandError('cancelled', 130);
  throw error;
}

async function askOne(
  kind: CreateKind,
  question: Question,
  answers: ReadonlyMap<string, Answer>,
  catalog: Catalog,
): Promise<Answer> {
  const validate = (value: Answer): string | true => checkAnswer(kind, question, value, answers, catalog) ?? true;
  const choices: readonly Choice[] = question.choices?.(catalog, answers) ?? [];
  const fallback = question.default?.(catalog, answers);
  const message = question.message;
  switch (question.type) {
    case 'text':
      return input({ message, ...(typeof fallback === 'string' ? { default: fallback } : {}), validate });
    case 'confirm':
      return confirm({ message, default: fallback === true });
    case 'select':
      return select({
        message,
        choices: choices.map((c) => ({ ...c })),
        ...(typeof fallback === 'string' ? { default: fallback } : {}),
      });
    case 'multi': {
      if (choices.length === 0) {
        // Nothing discovered to offer: a list typed by hand, checked the same way.
        return input({ message: `${message} (comma-separated)`, validate });
      }
      return checkbox({
        message,
        choices: choices.map((c) => ({ ...c })),
        pageSize: 12,
        validate: (chosen) => validate(chosen.map((c) => c.value)),
      });
    }
    case 'weighted': {
      if (choices.length === 0) {
        return input({ message: `${message} (TARGET:WEIGHT, comma-separated)`, validate });
      }
      for (;;) {
        const targets = await checkbox({ message, choices: choices.map((c) => ({ ...c })), pageSize: 12 });
        const weighted: string[] = [];
        for (const target of targets) {
          const weight = await input({
            message: `Weight of ${target}`,
            validate: (w) => (/^\d+$/.test(w.trim()) ? true : 'a whole number, e.g. 80'),
          });
          weighted.push(`${target}:${weight.trim()}`);
        }
        const problem = validate(weighted);
        if (problem === true) return weighted;
        process.stderr.write(`> ${problem}\n`);
      }
    }
  }
}

/** The answers: the given ones, then a prompt for each question that applies and is not answered. */
export async function askQuestions(
  kind: CreateKind,
  given: ReadonlyMap<string, Answer>,
  catalog: Catalog,
): Promise<Map<string, Answer>> {
  const answers = new Map(given);
  for (const question of kind.questions) {
    if (question.when !== undefined && !question.when(answers)) continue;
    if (isSet(answers.get(question.key))) continue;
    try {
      answers.set(question.key, await askOne(kind, question, answers, catalog));
    } catch (error) {
      cancelled(error);
    }
  }
  return answers;
}

/** Yes or no on the terminal (Ctrl-C cancels). */
export async function askConfirm(message: string, fallback: boolean): Promise<boolean> {
  try {
    return await confirm({ message, default: fallback });
  } catch (error) {
    cancelled(error);
  }
}
