/**
 * Runs the demo's cleanup exactly once, whichever comes first: the end of the story, an error, or
 * SIGINT/SIGTERM (Ctrl-C, kill). Without handlers Node would die on the signal at once and leave
 * the namespaces and carpd processes behind. After a signal the process exits with 128 + its
 * number, as a shell reports a command killed by it.
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type HandledSignal = (typeof SIGNALS)[number];

export class Teardown {
  private cleanup: () => Promise<void> = () => Promise.resolve();
  private running: Promise<void> | undefined;
  private caught: HandledSignal | undefined;

  /** `onSignal` tells the user what is happening; the cleanup follows. */
  constructor(private readonly onSignal: (signal: HandledSignal) => void) {
    for (const signal of SIGNALS) process.on(signal, () => this.interrupt(signal));
  }

  /** The signal that ended the demo, if one did: errors after it are the cleanup's doing. */
  get signal(): HandledSignal | undefined {
    return this.caught;
  }

  /** What to undo; set once there is something to undo. */
  arm(cleanup: () => Promise<void>): void {
    this.cleanup = cleanup;
  }

  /** Runs the cleanup, or waits for the one already running. */
  run(): Promise<void> {
    this.running ??= this.cleanup();
    return this.running;
  }

  private interrupt(signal: HandledSignal): void {
    // A second Ctrl-C while cleaning up must not cut the cleanup short.
    if (this.caught !== undefined) return;
    this.caught = signal;
    this.onSignal(signal);
    const exit = (): never => process.exit(128 + constants.signals[signal]);
    this.run().then(exit, exit);
  }
}
