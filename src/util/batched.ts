/**
 * @module Work done one run at a time, items gathered meanwhile: while a run is under way, the
 * items added wait for the next, which takes all of them (a storm of 10 000 alert events makes a
 * few statements, not 10 000). Each add's promise settles with the run that took its item.
 */
export class Batched<T> {
  /** The run not started yet, gathering items. */
  private next: { items: T[]; done: Promise<void> } | null = null;
  /** The last run started or queued. */
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly work: (items: T[]) => Promise<void>) {}

  /** Adds an item (none: only asks for a run) to the next run; settles when that run has. */
  add(...items: T[]): Promise<void> {
    if (!this.next) {
      const next = { items: [] as T[], done: Promise.resolve() };
      next.done = this.last
        .catch(() => {})
        .then(() => {
          if (this.next === next) this.next = null;
          return this.work(next.items);
        });
      this.next = next;
      this.last = next.done;
    }
    this.next.items.push(...items);
    return this.next.done;
  }
}
