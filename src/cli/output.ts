// Commands return data; this prints it in the format chosen with -o.
import { z } from 'zod';
import { toCanonicalYaml, toCanonicalYamlStream } from '../snapshot/yaml.ts';
import { OUTPUT_FORMATS } from './context.ts';

export const OutputFormat = z.enum(OUTPUT_FORMATS);
export type OutputFormat = z.infer<typeof OutputFormat>;

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export function formatTable(table: Table): string {
  const widths = table.headers.map((header, i) =>
    Math.max(header.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(table.headers), ...table.rows.map(line)].join('\n') + '\n';
}

/** Prints data: tables for people, JSON/YAML of the same data for scripts. */
export function formatData(format: OutputFormat, data: unknown, table: () => Table): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(data, null, 2)}\n`;
    case 'yaml':
      return toCanonicalYaml(data);
    case 'table':
      return formatTable(table());
  }
}

/**
 * Prints a command's result: `text()` for people (`-o table`, the default), the data itself for
 * `-o json|yaml`. For commands whose human output is sentences rather than a table.
 */
export function printResult(
  io: { readonly stdout: (text: string) => void },
  format: OutputFormat,
  data: unknown,
  text: () => string,
): void {
  io.stdout(format === 'table' ? text() : formatData(format, data, () => ({ headers: [], rows: [] })));
}

/**
 * Kubernetes objects as kubectl prints them: a YAML stream (also for `-o table`, where objects have no
 * table), or for `-o json` one `v1` List, so `| kubectl apply -f -` reads either.
 */
export function formatObjects(format: OutputFormat, objects: readonly unknown[]): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  return toCanonicalYamlStream(objects);
}
