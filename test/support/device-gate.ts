/**
 * Where the chaos tests' device clients wait: after an answer that is not an acknowledgement a client waits for the
 * test's next `wake()` (the next chaos step) instead of retrying in a busy loop; `stop()` ends every loop.
 */
export class DeviceGate {
  #wake = Promise.withResolvers<void>();
  #waiting = 0;
  #running = true;

  get running(): boolean {
    return this.#running;
  }

  /** How many clients wait for the next wake. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Waits for the next `wake()` (not at all once stopped). */
  async wait(): Promise<void> {
    if (!this.#running) return;
    this.#waiting++;
    await this.#wake.promise;
    this.#waiting--;
  }

  wake(): void {
    this.#wake.resolve();
    this.#wake = Promise.withResolvers<void>();
  }

  stop(): void {
    this.#running = false;
    this.#wake.resolve();
  }
}
