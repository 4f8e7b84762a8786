import assert from 'node:assert/strict';
import type { InterfaceStatusDto } from '../../src/control/protocol';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab } from './carp-lab';

/** carp0 ... carp254 with vhids 1 ... 255 on eth0, each with an address of its own (10.78.vhid.1). */
function everyVhid(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let vhid = 1; vhid <= 255; vhid++) {
    files[`carp${vhid - 1}.conf`] = `vhid ${vhid} pass secret carpdev eth0\ninet 10.78.${vhid}.1/24\n`;
  }
  return files;
}

describe('netns: all 255 vhids on one carpdev, on the real kernel', function () {
  this.timeout(240_000);
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('vh255', ['h1']);
    await lab.net.exec('cl', 'ip', ['route', 'add', '10.78.0.0/16', 'dev', 'eth0']);
    await lab.startDaemon('h1', { config: everyVhid(), readyTimeoutMs: 120_000 });
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('boots them all, none refused, and every one becomes MASTER', async () => {
    await lab.waitFor('255 MASTERs', async () => {
      const { interfaces } = JSON.parse(await lab.ctl('h1', '-j')) as { interfaces: InterfaceStatusDto[] };
      return interfaces.length === 255 && interfaces.every((i) => i.nodes[0]?.state === 'MASTER');
    }, 120_000);
    assert.doesNotMatch(lab.logOf('h1'), /refused|ENOMEM/);
  });

  it('routes from each address through its own carp interface, and logs each rule under its interface', async () => {
    const carpRules = async (): Promise<string[]> =>
      (await lab.net.exec('h1', 'ip', ['-4', 'rule', 'show'])).stdout.split('\n').filter((l) => /lookup (4[2-4]\d\d)/.test(l));
    await lab.waitFor('255 policy rules', async () => (await carpRules()).length === 255, 60_000);
    for (const vhid of [1, 255]) {
      const { stdout } = await lab.net.exec('h1', 'ip', ['route', 'get', `10.78.${vhid}.9`, 'from', `10.78.${vhid}.1`]);
      assert.match(stdout, new RegExp(`dev carp${vhid - 1} table ${4200 + vhid - 1} `));
    }
    const ruleAdds = lab.logOf('h1').match(/"task":"policy routing of carp\d+","msg":"ip -4 rule add/g) ?? [];
    assert.equal(ruleAdds.length, 255);
  });

  it('answers on the first and the last vhid', async () => {
    for (const vhid of [1, 128, 255]) {
      await lab.net.exec('cl', 'ping', ['-c', '1', '-W', '2', `10.78.${vhid}.1`]);
      const { stdout } = await lab.net.exec('cl', 'ip', ['neigh', 'show', `10.78.${vhid}.1`]);
      assert.match(stdout, new RegExp(`lladdr 00:00:5e:00:01:${vhid.toString(16).padStart(2, '0')}`));
    }
  });
});
