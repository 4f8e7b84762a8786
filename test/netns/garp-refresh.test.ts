import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { CarpLab, VIP4 } from './carp-lab';

const PERIOD_S = 2;
const config = (advskew: number): Record<string, string> => ({
  'carp0.conf': `vhid 11 pass secret carpdev eth0 advskew ${advskew} garp-refresh ${PERIOD_S}\ninet ${VIP4}/24\n`,
});

/** Gratuitous ARP for the address, as tcpdump prints it (older: who-has X tell X; newer: Announcement X). */
const GRATUITOUS = new RegExp(`(who-has ${VIP4.replace(/\./g, '\\.')} tell ${VIP4.replace(/\./g, '\\.')}|Announcement ${VIP4.replace(/\./g, '\\.')})`);

/** The times (ms) of the gratuitous ARPs in tcpdump -tt output. */
function gratuitousTimes(output: string): number[] {
  return output
    .split('\n')
    .filter((line) => GRATUITOUS.test(line))
    .map((line) => Math.round(Number(line.split(' ')[0]) * 1000));
}

/** Frames a few ms apart are one round (the delayed takeover round may fall on a refresh). */
function rounds(times: readonly number[]): number[] {
  return times.filter((t, i) => i === 0 || t - (times[i - 1] as number) > 500);
}

/** What each host sends into the bridge: its bridge port, frames coming in from the host. */
function capturePort(lab: CarpLab, host: string): Capture {
  return new Capture(lab, 'lan', ['-tt', '-i', `p-${host}`, '-Q', 'in', 'arp']);
}

describe('netns: garp-refresh: the MASTER repeats its gratuitous ARP every SECONDS', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('garp');
    await lab.startDaemon('h1', { config: config(0) });
    await lab.startDaemon('h2', { config: config(100) });
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('from the master only, every SECONDS, and status shows the setting', async () => {
    assert.match(await lab.ctl('h1', 'carp0'), /\tcarp: garp-refresh 2\n/);
    assert.equal((await lab.status('h2')).garpRefresh, PERIOD_S);
    const master = capturePort(lab, 'h1');
    const backup = capturePort(lab, 'h2');
    await Promise.all([master.started(), backup.started()]);
    await lab.holds('h1 MASTER', async () => (await lab.state('h1')) === 'MASTER', 9000);
    const sent = rounds(gratuitousTimes(await master.stop()));
    const fromBackup = gratuitousTimes(await backup.stop());
    assert.deepEqual(fromBackup, [], 'the BACKUP sent gratuitous ARPs');
    assert.ok(sent.length >= 3, `only ${sent.length} rounds in 9 s: ${sent.join(', ')}`);
    const gaps = sent.slice(1).map((t, i) => t - (sent[i] as number));
    for (const gap of gaps) assert.ok(Math.abs(gap - PERIOD_S * 1000) < 400, `rounds ${gaps.join(', ')} ms apart, expected ${PERIOD_S * 1000}`);
  });

  it('-garp-refresh stops it', async () => {
    await lab.ctl('h1', 'carp0', '-garp-refresh');
    const master = capturePort(lab, 'h1');
    await master.started();
    await lab.holds('h1 MASTER', async () => (await lab.state('h1')) === 'MASTER', 5000);
    assert.deepEqual(gratuitousTimes(await master.stop()), []);
    assert.doesNotMatch(await lab.ctl('h1', 'carp0'), /garp-refresh/);
  });
});
