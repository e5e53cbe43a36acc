/**
 * SerialPasses runs a controller's pass (a reconcile over everything it owns) on demand: requests
 * within `debounceMs` are grouped into one, passes never overlap, and a request that arrives
 * during a pass queues exactly one more pass after it. The reconciler and the certificate manager
 * share it.
 */
export class SerialPasses {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private halted: boolean;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly debounceMs: number,
    options: { readonly stopped?: boolean } = {},
  ) {
    this.halted = options.stopped ?? false;
  }

  /** stopped says whether stop() was called (a long pass checks it between steps). */
  get stopped(): boolean {
    return this.halted;
  }

  /** notify asks for a pass soon. */
  notify(): void {
    if (this.halted || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.debounceMs);
  }

  /** notifyLater asks for a pass after `delayMs` (a retry after a failure). */
  notifyLater(delayMs = 1_000): void {
    setTimeout(() => this.notify(), delayMs).unref();
  }

  /** requeue asks for another pass after the running one (something changed under it, e.g. a 409). */
  requeue(): void {
    this.again = true;
  }

  /** run runs a pass now, or queues one after the running pass and resolves with it. */
  async run(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.halted);
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  resume(): void {
    this.halted = false;
  }

  stop(): void {
    this.halted = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
