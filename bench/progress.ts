/** A one-line progress bar on stderr, redrawn in place (and quiet when stderr is not a terminal). */

const WIDTH = 30;
const REDRAW_INTERVAL_MS = 100;

/** A progress line for one phase of the benchmark. */
export class ProgressBar {
  #lastDrawnAt = 0;
  #hasDrawn = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Redraws with `done` of `total`, at most every REDRAW_INTERVAL_MS unless `force`. */
  update(done: number, detail = '', force = false): void {
    const now = performance.now();
    if (!force && now - this.#lastDrawnAt < REDRAW_INTERVAL_MS) return;
    this.#lastDrawnAt = now;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(fraction * WIDTH);
    const line = `${this.label.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${done}/${this.total} ${detail}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K`);
      this.#hasDrawn = true;
    }
  }

  /** Draws the final state and ends the line. */
  finish(detail = ''): void {
    this.update(this.total, detail, true);
    if (this.#hasDrawn) this.stream.write('\n');
    else this.stream.write(`${this.label}: done ${detail}\n`);
  }
}
