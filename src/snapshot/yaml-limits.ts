// Bounds on what one input document may cost. Its own module, free of the YAML library, so the
// parallel input reader's worker can apply them without loading it.

/**
 * Bounds on what one YAML document may cost, so a hostile or broken file is refused with its name
 * instead of taking minutes and gigabytes. The API server accepts no object over 3 MiB, so only a
 * `kind: List` document comes near the size bound; a list that long can be split into documents.
 */
export const YAML_LIMITS = {
  /** The parser needs about 100 times a document's size in memory. */
  maxDocumentBytes: 8 * 2 ** 20,
  /** A file is read into one string (V8 strings stop near 512 MiB); the files of a whole estate are far smaller. */
  maxFileBytes: 256 * 2 ** 20,
  /** Alias expansions per document (a "billion laughs" document expands each alias many times). */
  maxAliasCount: 100,
  /** Mappings and sequences inside the document's own; Kubernetes objects are a few dozen deep at most. */
  maxDepth: 100,
} as const;
