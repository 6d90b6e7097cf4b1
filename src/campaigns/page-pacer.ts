import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Sizes and spaces the pages of a bulk write that runs beside live traffic (a campaign's recipients
 * inserted, then decided): each page is sized so that it takes about `targetMs` of PostgreSQL, from
 * how long the last one took per row, and is followed by a pause of `pauseShare` of its own time.
 * The machine has two cores: while a page runs, one of them is PostgreSQL writing it, and a webhook
 * that needs a write of its own waits behind it for up to a page; short pages keep that wait short,
 * the pause lets the queue behind them drain, and the phase's speed is barely touched (a page of a
 * few thousand rows costs little more per row than one of ten thousand). A page that took long on a
 * busy machine makes the next ones smaller, not the pause longer only.
 */
export class PagePacer {
  private size: number;

  constructor(
    private readonly options: {
      /** The first page's size, before any has been timed. */
      first: number;
      min: number;
      max: number;
      targetMs: number;
      pauseShare: number;
      /** The shortest pause between two pages. */
      minPauseMs: number;
    },
  ) {
    this.size = options.first;
  }

  /** Rows in the next page. */
  get pageSize(): number {
    return this.size;
  }

  /** Takes the last page's time (`rows` written in `elapsedMs`), sizes the next one, and pauses. */
  async after(rows: number, elapsedMs: number, signal?: AbortSignal): Promise<void> {
    const { min, max, targetMs, pauseShare, minPauseMs } = this.options;
    if (rows > 0 && elapsedMs > 0) {
      const perRow = elapsedMs / rows;
      // Halfway to the size the target asks for: one slow page (a checkpoint, a busy neighbour)
      // does not swing the next far.
      const wanted = targetMs / perRow;
      this.size = Math.round(Math.min(max, Math.max(min, (this.size + wanted) / 2)));
    }
    await sleep(Math.max(minPauseMs, elapsedMs * pauseShare), undefined, signal ? { signal } : undefined);
  }
}
