// Input files are text: UTF-8 without control characters. A binary file (a NUL byte, bytes that are
// not UTF-8) is refused with its name and the place of the first bad byte, and none of its bytes.
import { isUtf8 } from 'node:buffer';
import { linePosition } from './line-position.ts';
import { InputError } from './input-error.ts';

/** The first C0 control other than tab, line feed and carriage return, or DEL: YAML allows none of them. */
function firstControl(text: string): number {
  // The regular expression engine scans a long text for a character class far faster than a loop.
  return text.search(CONTROL);
}
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The file's text, or an InputError naming the file and where its first non-text byte is. */
export function checkText(bytes: Buffer, file: string): string {
  if (!isUtf8(bytes)) {
    // The first line that is not UTF-8 on its own: a line feed byte never occurs inside a UTF-8 sequence.
    let line = 1;
    let lineStart = 0;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) {
      if (!isUtf8(bytes.subarray(lineStart, i))) break;
      lineStart = i + 1;
      line += 1;
    }
    throw new InputError(
      file,
      undefined,
      `not a text file: line ${String(line)} holds bytes that are not UTF-8 (binary?); input files must be UTF-8 YAML or JSON`,
    );
  }
  const text = bytes.toString('utf8');
  const index = firstControl(text);
  if (index !== -1) {
    const { line, column } = linePosition(text, index);
    const code = text.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0');
    const what = code === '0000' ? 'a NUL byte (binary?)' : `the control character U+${code}`;
    throw new InputError(
      file,
      undefined,
      `not a text file: ${what} at line ${String(line)}, column ${String(column)}; input files must be UTF-8 YAML or JSON`,
    );
  }
  return text;
}
