/**
 * `npm run demo`: two firewalls share an address with CARP on a LAN of network namespaces; the
 * master loses its cable, comes back, and is later taken down on purpose, while a client pings.
 * Needs root, `ip netns` and /dev/net/tun; without them it says what is missing and exits 1.
 * Everything it creates is removed at the end, on error, and on Ctrl-C or SIGTERM.
 */
import { DemoLab } from './demo-lab';
import { Narrator, millis, seconds } from './narrator';
import { missingRequirements } from './preflight';
import { type Timings, runStory } from './story';
import { Teardown } from './teardown';

async function main(): Promise<number> {
  const missing = missingRequirements();
  if (missing.length > 0) {
    process.stderr.write(
      'The demo cannot run here:\n' +
        missing.map((reason) => `  - ${reason}\n`).join('') +
        'It builds a LAN of network namespaces with TAP devices: run it as root on Linux (sudo npm run demo).\n',
    );
    return 1;
  }
  const say = new Narrator();
  const teardown = new Teardown((signal) => say.say('', `${signal}: stopping, and removing everything the demo made...`));
  const started = Date.now();
  say.title('CARP for Linux: a failover demo');
  let lab: DemoLab | undefined;
  let code = 0;
  try {
    lab = await DemoLab.open(say);
    const opened = lab;
    teardown.arm(() => removeLab(opened, say));
    summarize(say, await runStory(lab, say));
  } catch (e: unknown) {
    // After a signal, errors are the cleanup pulling the lab away under the story.
    if (teardown.signal === undefined) {
      reportFailure(e, lab);
      code = 1;
    }
  }
  try {
    await teardown.run();
  } catch (e: unknown) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    code = 1;
  }
  if (code === 0) say.say(`Done in ${seconds(Date.now() - started)}.`);
  return code;
}

function summarize(say: Narrator, timings: Timings): void {
  say.step(6, 'Summary');
  say.say(
    `fw1's cable pulled:        client without replies ${seconds(timings.cableGapMs)} (bound: master-down ${seconds(timings.masterDownMs)})`,
    "fw1 back on the LAN:       stayed BACKUP (net.inet.carp.preempt=0)",
    `carpctl carp0 down on fw2: client without replies ${millis(timings.bowOutGapMs)} (bow-out: no waiting for master-down)`,
  );
}

/** Removes the lab and says so; fails if a namespace of ours survived. */
async function removeLab(lab: DemoLab, say: Narrator): Promise<void> {
  say.blank();
  say.say('Removing the lab: carpd and ping stopped, namespaces deleted with their interfaces.');
  const leftovers = await lab.cleanup();
  if (leftovers.length > 0) throw new Error(`could not delete namespaces: ${leftovers.join(' ')} (ip netns del NAME)`);
}

function reportFailure(e: unknown, lab: DemoLab | undefined): void {
  process.stderr.write(`\nThe demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  for (const fw of ['fw1', 'fw2'] as const) {
    const log = lab?.carpdLog(fw) ?? [];
    if (log.length > 0) process.stderr.write(`\nLast lines of carpd on ${fw}:\n${log.join('\n')}\n`);
  }
}

void main().then((code) => {
  process.exitCode = code;
});
