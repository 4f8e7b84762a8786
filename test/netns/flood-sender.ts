/**
 * The hostile host's sender: writes the given frames round-robin on a packet socket at a fixed
 * rate for a fixed time, then prints how many of each kind the kernel took (JSON on stdout).
 * Frames the socket refuses for a full queue (writeBatch stops early) are not counted as sent.
 *
 *   node flood-sender.js IFNAME FRAMES.json FRAMES_PER_SECOND SECONDS
 *
 * FRAMES.json is `[{ "kind": "badttl", "hex": "01005e..." }, ...]`.
 */
import { readFileSync } from 'node:fs';
import { nativeBinding } from '../../src/native/binding';
import { REJECT_ALL } from '../native/frames';

interface KindFrame {
  readonly kind: string;
  readonly hex: string;
}

/** Frames per write: one write every 10 ms keeps the rate even at several thousand a second. */
const TICK_MS = 10;

function main(): void {
  const [ifname, file, rateText, secondsText] = process.argv.slice(2);
  if (ifname === undefined || file === undefined || rateText === undefined || secondsText === undefined) {
    throw new Error('usage: flood-sender.js IFNAME FRAMES.json FRAMES_PER_SECOND SECONDS');
  }
  const frames = (JSON.parse(readFileSync(file, 'utf8')) as KindFrame[]).map((f) => ({ kind: f.kind, bytes: Buffer.from(f.hex, 'hex') }));
  const perTick = Math.max(1, Math.round((Number(rateText) * TICK_MS) / 1000));
  const socket = nativeBinding.openPacketSocket(ifname, { filter: REJECT_ALL, vnetHeader: false });
  const slot = Math.max(...frames.map((f) => f.bytes.length));
  const arena = Buffer.alloc(slot * perTick);
  const offsets = new Uint32Array(perTick);
  const lengths = new Uint32Array(perTick);
  const sent = new Map<string, number>(frames.map((f) => [f.kind, 0]));
  let next = 0;
  const start = Date.now();
  const end = start + Number(secondsText) * 1000;
  const tick = (): void => {
    const kinds: string[] = [];
    for (let i = 0; i < perTick; i++) {
      const frame = frames[(next + i) % frames.length] as { kind: string; bytes: Buffer };
      frame.bytes.copy(arena, i * slot);
      offsets[i] = i * slot;
      lengths[i] = frame.bytes.length;
      kinds.push(frame.kind);
    }
    const written = socket.writeBatch(arena, offsets, lengths, perTick);
    for (const kind of kinds.slice(0, written)) sent.set(kind, (sent.get(kind) ?? 0) + 1);
    next = (next + written) % frames.length;
    const now = Date.now();
    if (now >= end) {
      socket.close();
      process.stdout.write(`${JSON.stringify({ seconds: (now - start) / 1000, sent: Object.fromEntries(sent) })}\n`);
      return;
    }
    // Aim at the schedule, not at the previous tick: a late tick is followed by an early one.
    const ticks = Math.floor((now - start) / TICK_MS) + 1;
    setTimeout(tick, start + ticks * TICK_MS - now);
  };
  tick();
}

main();
