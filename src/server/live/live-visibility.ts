/**
 * @module Which nodes guests of the live feed may see, and what they must be told when that
 * changes: a node hidden since the last frame is removed for them, one shown again comes whole.
 */

export class GuestVisibility {
  /** Nodes guests may not see (kept until their removal went out, to hide the removal too). */
  private readonly hidden = new Set<number>();
  /** Nodes hidden from guests since the last frame: guests get their removal. */
  private readonly hiddenNow = new Set<number>();
  /** Nodes shown to guests again since the last frame: guests get them whole, not as a delta. */
  private readonly revealed = new Set<number>();

  constructor(hiddenIds: Iterable<number> = []) {
    for (const id of hiddenIds) this.hidden.add(id);
  }

  /** Something about node `id` changed; `hidden`: whether guests may not see it now. */
  changed(id: number, hidden: boolean): void {
    if (hidden) {
      // Guests may have it from their snapshot even if no frame mentioned it since.
      if (!this.hidden.has(id)) this.hiddenNow.add(id);
      this.hidden.add(id);
      this.revealed.delete(id);
    } else if (this.hidden.delete(id)) {
      this.revealed.add(id);
      this.hiddenNow.delete(id);
    }
  }

  isHidden(id: number): boolean {
    return this.hidden.has(id);
  }

  /** Shown to guests again since the last frame. */
  isRevealed(id: number): boolean {
    return this.revealed.has(id);
  }

  /**
   * Of nodes removed, those whose removal guests may hear of (not the hidden ones). One hidden
   * since the last frame stays in takeHidden(): guests had it and hear of it there.
   */
  removed(ids: readonly number[]): number[] {
    const seen = ids.filter((id) => !this.hidden.has(id));
    for (const id of ids) this.hidden.delete(id);
    return seen;
  }

  /** Nodes hidden since the last call, whose removal guests are to get. */
  takeHidden(): number[] {
    const ids = [...this.hiddenNow];
    this.hiddenNow.clear();
    return ids;
  }

  /** Nodes shown again since the last call, which guests are to get whole. */
  takeRevealed(): number[] {
    const ids = [...this.revealed];
    this.revealed.clear();
    return ids;
  }
}
