// A lookup table whose reads can be recorded: which keys one Destination's translation asked for,
// found or not. An incremental pass (incremental-destinations.ts) re-decides exactly the
// Destinations that asked for a Service whose Destination came or went.
export class RecordingMap<K, V> extends Map<K, V> {
  #reads: Set<K> | undefined;

  override get(key: K): V | undefined {
    this.#reads?.add(key);
    return super.get(key);
  }

  /** Runs `run`, adding every key looked up meanwhile to `reads`. */
  recording<T>(reads: Set<K>, run: () => T): T {
    const outer = this.#reads;
    this.#reads = reads;
    try {
      return run();
    } finally {
      this.#reads = outer;
    }
  }
}
