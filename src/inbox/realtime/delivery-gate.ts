/**
 * What one socket is sent, in order: while the stored events it missed are replayed, live events
 * wait in a buffer; afterwards each event id goes out once, whether it came from the replay, the
 * buffer or live delivery.
 */
export class DeliveryGate<E extends { id: number }> {
  #buffer: E[] | null;
  readonly #sent = new Set<number>();
  readonly #send: (event: E) => void;
  readonly #memory: number;

  /** `memory` bounds how many delivered ids are remembered for de-duplication. */
  constructor(send: (event: E) => void, options: { replaying: boolean; memory?: number }) {
    this.#send = send;
    this.#buffer = options.replaying ? [] : null;
    this.#memory = options.memory ?? 5000;
  }

  get replaying(): boolean {
    return this.#buffer !== null;
  }

  /** A live event: buffered during the replay, else sent unless already sent. */
  offer(event: E): void {
    if (this.#buffer) this.#buffer.push(event);
    else this.deliver(event);
  }

  /** Sends an event now (a replayed one), unless its id was already sent. */
  deliver(event: E): void {
    if (this.#sent.has(event.id)) return;
    this.#sent.add(event.id);
    if (this.#sent.size > this.#memory) {
      // A Set iterates in insertion order: drop the oldest id.
      const oldest = this.#sent.values().next().value;
      if (oldest !== undefined) this.#sent.delete(oldest);
    }
    this.#send(event);
  }

  /** Ends the replay: buffered live events go out in id order, without the ones the replay sent. */
  finishReplay(): void {
    const buffered = this.#buffer ?? [];
    this.#buffer = null;
    for (const event of buffered.sort((a, b) => a.id - b.id)) this.deliver(event);
  }
}
