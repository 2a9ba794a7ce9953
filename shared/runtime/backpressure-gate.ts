/**
 * Pause/resume by watermarks on the in-flight count: pause every assigned
 * partition when in-flight reaches queueDepth (high watermark), resume when it
 * falls to lowWatermark. Hysteresis keeps the consumer from flapping.
 */
export interface GateActions {
  pause(inFlight: number): void;
  resume(inFlight: number): void;
}

export class BackpressureGate {
  private pausedNow = false;
  private held = false;

  constructor(
    private readonly highWatermark: number,
    private readonly lowWatermark: number,
    private readonly actions: GateActions,
  ) {}

  get paused(): boolean {
    return this.pausedNow;
  }

  /** True while another record may be taken. */
  hasRoom(inFlight: number): boolean {
    return !this.held && inFlight < this.highWatermark;
  }

  /** Call after in-flight changed. */
  update(inFlight: number): void {
    if (!this.pausedNow && inFlight >= this.highWatermark) {
      this.pausedNow = true;
      this.actions.pause(inFlight);
    } else if (this.pausedNow && !this.held && inFlight <= this.lowWatermark) {
      this.pausedNow = false;
      this.actions.resume(inFlight);
    }
  }

  /** Pauses for good (draining): no resume whatever in-flight does. */
  hold(inFlight: number): void {
    this.held = true;
    if (!this.pausedNow) {
      this.pausedNow = true;
      this.actions.pause(inFlight);
    }
  }
}
