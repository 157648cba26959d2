// Places in input files as editors show them: 1-based lines and columns, columns in characters.

/** Characters (code points) in a string: an emoji counts once, as an editor's column does. */
export function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // The second half of a surrogate pair is part of the character before it.
    if (unit < 0xdc00 || unit > 0xdfff) count += 1;
  }
  return count;
}

/** `line 3, column 7` of an offset (in UTF-16 units) in a text. */
export function linePosition(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    start = i + 1;
  }
  return { line, column: codePointCount(text.slice(start, offset)) + 1 };
}
