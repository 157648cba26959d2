// The error of an input file that cannot be read: names the file and, where known, the document.
// Its own module, free of the YAML library, so the parallel input reader's worker stays light.

export class InputError extends Error {
  readonly file: string;
  readonly document: number | undefined;
  constructor(file: string, document: number | undefined, detail: string) {
    super(`${file}${document === undefined ? '' : ` (document ${document})`}: ${detail}`);
    this.name = 'InputError';
    this.file = file;
    this.document = document;
  }
}
