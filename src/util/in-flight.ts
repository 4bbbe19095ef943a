/**
 * @module Work shared while it runs: callers asking for the same key while it is under way get the
 * same promise (two Prometheus servers scraping one /metrics at once make one page, not two).
 */
export class InFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** The running work for `key`, or `make()`'s, forgotten once it settles (the next call makes it anew). */
  run(key: string, make: () => Promise<T>): Promise<T> {
    let work = this.running.get(key);
    if (!work) {
      work = make().finally(() => this.running.delete(key));
      this.running.set(key, work);
    }
    return work;
  }
}
