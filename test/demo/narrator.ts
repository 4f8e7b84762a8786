/**
 * What the demo prints: step headings, short explanations, and a transcript of the commands it
 * runs (`fw1# carpctl carp0`) with their real output, indented under them. Nothing else in the
 * demo writes to stdout, so the transcript reads like a terminal session.
 */

const OUTPUT_INDENT = '    ';

export class Narrator {
  title(text: string): void {
    this.line(text);
    this.line('='.repeat(text.length));
  }

  step(number: number, text: string): void {
    this.line('');
    this.line(`${number}. ${text}`);
    this.line('-'.repeat(`${number}. ${text}`.length));
  }

  /** Explanations: one short line each. */
  say(...lines: readonly string[]): void {
    for (const line of lines) this.line(line);
  }

  /** The command as an administrator would type it on `box`. */
  command(box: string, words: readonly string[]): void {
    this.line(`${box}# ${words.join(' ')}`);
  }

  /** A command's output, as it printed it, without trailing blank lines. */
  output(text: string): void {
    const lines = text.replace(/\s+$/, '').split('\n');
    if (lines.length === 1 && lines[0] === '') return;
    for (const line of lines) this.line(`${OUTPUT_INDENT}${line}`);
  }

  blank(): void {
    this.line('');
  }

  private line(text: string): void {
    process.stdout.write(`${text}\n`);
  }
}

/** Seconds with two decimals: "3.12 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Whole milliseconds: "31 ms". */
export function millis(ms: number): string {
  return `${Math.round(ms)} ms`;
}
