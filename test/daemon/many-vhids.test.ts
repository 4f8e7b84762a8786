import assert from 'node:assert/strict';
import { answerLikeAHost } from '../fakes/carp-stack';
import { FakePacketSocket } from '../fakes/fake-packet-socket';
import { probe } from './balancing-probe';
import { DaemonLab } from './lab';
import { PASS } from './scenarios';

/** carp0 ... carp254 with vhids 1 ... 255, all on eth0, each with an address of its own. */
function everyVhid(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let vhid = 1; vhid <= 255; vhid++) {
    files[`carp${vhid - 1}.conf`] = `vhid ${vhid} pass ${PASS} carpdev eth0\ninet 10.78.${vhid}.1/24\n`;
  }
  return files;
}

describe('carpd in-process: all 255 vhids on one carpdev', function () {
  this.timeout(60_000);
  let lab: DaemonLab;

  before(async () => {
    lab = await DaemonLab.create({ hosts: 1 });
    await lab.start(1, { config: everyVhid() });
    await lab.advance(4000);
  });

  after(async () => {
    await lab.close();
  });

  it('boots with a file per vhid and runs every one of them', () => {
    const names = lab.daemon(1).service.names();
    assert.equal(names.length, 255);
    const states = names.map((name) => lab.state(1, name));
    assert.deepEqual([...new Set(states)], ['MASTER']);
    assert.ok(!lab.log(1).some((r) => /refused/.test(r.msg)), lab.log(1).filter((r) => /refused/.test(r.msg)).map((r) => r.msg).join('\n'));
  });

  it('relays for the first and the last of them alike', async () => {
    for (const name of ['carp0', 'carp254']) answerLikeAHost(lab.world.host(1).kernel.link(name) ?? assert.fail(`no ${name}`));
    const client = lab.world.addClient('client');
    for (const [vhid, sequence] of [[1, 1], [255, 2]] as const) {
      const answer = await probe(lab, { ...client, ipv4: client.ipv4 }, sequence, null, 200, `10.78.${vhid}.1`);
      assert.equal(answer.resolvedTo, `00:00:5e:00:01:${vhid.toString(16).padStart(2, '0')}`);
      assert.equal(answer.repliesFrom.length, 1);
    }
  });

  it('sends the advertisements of the vhids due together in one writeBatch per round', async () => {
    const calls: number[] = [];
    type WriteBatch = (this: FakePacketSocket, ...args: Parameters<FakePacketSocket['writeBatch']>) => number;
    const original = Reflect.get(FakePacketSocket.prototype, 'writeBatch') as WriteBatch;
    FakePacketSocket.prototype.writeBatch = function (this: FakePacketSocket, arena, offsets, lengths, count) {
      if (this.ifname === 'eth0') calls.push(count);
      return original.call(this, arena, offsets, lengths, count);
    };
    try {
      await lab.advance(3000);
    } finally {
      FakePacketSocket.prototype.writeBatch = original;
    }
    assert.ok(calls.reduce((a, b) => a + b, 0) >= 3 * 255, `${calls.length} calls`);
    assert.ok(calls.length <= 6, `255 vhids at advbase 1 took ${calls.length} writeBatch calls in 3 s`);
  });
});
