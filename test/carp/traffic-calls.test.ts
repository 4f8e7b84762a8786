/**
 * The calls of ordinary traffic (receive, sendResult, tick) skip the settle pass and look for
 * demotion changes only when a counter changed (host.ts operateOnTraffic); a tick runs the
 * advertisement timers due within advbase/32 with the due ones. The behaviour must be what the
 * full pass gave.
 */
import assert from 'node:assert/strict';
import type { CarpHost } from '../../src/carp/host';
import type { Action, AdvertiseAction, Millis } from '../../src/carp/types';
import { deriveKey, verifyHmac } from '../../src/wire/hmac';
import { bringUp } from '../sim/setup';
import { adverts, becomeMaster, decoded, ip, nodeState, runningHost, summary } from './helpers';

/** carp1 (vhid 2, 192.0.2.101) beside runningHost()'s carp0, on the same carpdev, running at `now`. */
function addSecondInterface(host: CarpHost, now: Millis, advbase = 1): void {
  bringUp(host, { ifname: 'carp1', vhid: 2, advbase, addresses: ['192.0.2.101'] }, now);
}

function advertisedBy(actions: readonly Action[]): string[] {
  return adverts(actions).map((a) => `${a.ifname}/${a.vhid}`);
}

describe('carp/host: the calls of ordinary traffic', () => {
  it('a send-error demotion of one interface makes the MASTERs of the others advertise at once, and so does its withdrawal', () => {
    const host = runningHost();
    addSecondInterface(host, 0);
    becomeMaster(host);
    becomeMaster(host);
    assert.equal(nodeState(host, 'carp1', 2), 'MASTER');
    const fail = (): Action[] => host.sendResults([{ ifname: 'carp0', vhid: 1, ok: false }], 3100);
    fail();
    fail();
    const demoted = fail();
    assert.deepEqual(summary(demoted).slice(0, 2), ['demotion carp 0->1 snderrors', 'demotion sysctl 0->240 snderrors']);
    assert.deepEqual(advertisedBy(demoted), ['carp0/1', 'carp1/2'], 'both MASTERs tell their backups at once');
    const ok = (): Action[] => host.sendResults([{ ifname: 'carp0', vhid: 1, ok: true }], 3200);
    ok();
    ok();
    const restored = ok();
    assert.deepEqual(summary(restored).slice(0, 2), ['demotion carp 1->0 snderrors-cleared', 'demotion sysctl 240->0 snderrors-cleared']);
    assert.deepEqual(advertisedBy(restored), ['carp0/1', 'carp1/2']);
  });

  it('a successful send with no send-error demotion in force produces nothing', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    assert.deepEqual(host.sendResults([{ ifname: 'carp0', vhid: 1, ok: true }], at + 1), []);
  });

  it('a node that became MASTER in the tick that withdrew the loop-lag demotion advertises once; one that was MASTER already advertises at once', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    // A stall demotes the host (carp +1, sysctl +240) for 30 s; carp0 stays MASTER (it advertised recently).
    host.loopStalled(1200, at + 1300);
    assert.equal(nodeState(host), 'MASTER');
    // carp1 comes up now, and its master-down timer expires at the same moment as the demotion.
    const expiry = at + 1300 + 30_000;
    addSecondInterface(host, expiry - 3000);
    const actions = host.tick(expiry);
    assert.deepEqual(
      summary(actions).filter((s) => !s.startsWith('link') && !s.startsWith('announce')),
      [
        'advertise 1 v4',
        'state 2 BACKUP->MASTER master-down',
        'advertise 2 v4',
        'demotion carp 1->0 loop-lag-cleared',
        'demotion sysctl 240->0 loop-lag-cleared',
        'advertise 1 v4',
      ],
      'carp0 advertises again for the demotion change; carp1 does not, it has just advertised',
    );
  });

  it('forcing INIT still restarts the election: the pass that brings a running interface back to BACKUP runs', () => {
    const host = runningHost();
    becomeMaster(host);
    const actions = host.forceState('carp0', 'INIT', 2000);
    assert.deepEqual(
      summary(actions).filter((s) => s.startsWith('state')),
      ['state 1 MASTER->INIT forced', 'state 1 INIT->BACKUP ready'],
    );
    assert.equal(nodeState(host), 'BACKUP');
  });

  it('a carpdev that stops running takes its interfaces to INIT and demotes, in the pass after the change', () => {
    const host = runningHost();
    becomeMaster(host);
    const actions = host.setCarpdevRunning('eth0', false, 2000);
    assert.deepEqual(
      summary(actions).filter((s) => !s.startsWith('link')),
      ['state 1 MASTER->INIT carpdev-down', 'demotion carp 0->1 carpdev', 'demotion sysctl 0->240 carpdev'],
    );
  });
});

describe('carp/host: advertisement timers due together', () => {
  it('an advertisement due within advbase/32 goes out in the tick of one that is due, and the two stay in step', () => {
    const host = runningHost();
    becomeMaster(host);
    addSecondInterface(host, 20);
    becomeMaster(host);
    const first = host.nextDeadline() as Millis;
    const tick = host.tick(first);
    assert.deepEqual(advertisedBy(tick), ['carp0/1', 'carp1/2'], 'carp1, due 20 ms later, comes along');
    const next = host.nextDeadline() as Millis;
    assert.equal(next, first + 1000);
    assert.deepEqual(advertisedBy(host.tick(next)), ['carp0/1', 'carp1/2']);
  });

  it('one due later than advbase/32 keeps its own time', () => {
    const host = runningHost();
    becomeMaster(host);
    addSecondInterface(host, 40);
    becomeMaster(host);
    const first = host.nextDeadline() as Millis;
    assert.deepEqual(advertisedBy(host.tick(first)), ['carp0/1']);
    assert.equal(host.nextDeadline(), first + 40);
  });

  it('no timer runs early at advbase 0, nor a master-down timer ever', () => {
    const host = runningHost({ advbase: 0, advskew: 20 });
    bringUp(host, { ifname: 'carp1', vhid: 2, advbase: 0, advskew: 20, addresses: ['192.0.2.101'] }, 1);
    becomeMaster(host);
    assert.equal(nodeState(host, 'carp1', 2), 'BACKUP', 'its master-down timer, due 1 ms later, waits');
    becomeMaster(host);
    assert.equal(nodeState(host, 'carp1', 2), 'MASTER');
    const due = host.nextDeadline() as Millis;
    assert.deepEqual(advertisedBy(host.tick(due)), ['carp0/1']);
    assert.equal(host.nextDeadline(), due + 1);
  });
});

describe('carp/advertisement: the HMAC kept between rounds', () => {
  const signedOver = (action: AdvertiseAction, addresses: readonly string[], passphrase = 'secret'): boolean =>
    verifyHmac(deriveKey(passphrase), { vhid: action.vhid, addresses: addresses.map(ip), counter: decoded(action).counter }, decoded(action).hmac) !== null;

  it('is signed again when the addresses or the key change', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    const [first] = adverts(host.tick(at + 1000));
    assert.ok(first && signedOver(first, ['192.0.2.100']));
    host.setAddresses('carp0', [ip('192.0.2.100'), ip('192.0.2.110')], at + 1100);
    const [second] = adverts(host.tick(at + 2000));
    assert.ok(second && signedOver(second, ['192.0.2.100', '192.0.2.110']), 'the new address list');
    host.configure('carp0', { key: deriveKey('other') }, at + 2100);
    const [third] = adverts(host.tick(at + 3000));
    assert.ok(third && signedOver(third, ['192.0.2.100', '192.0.2.110'], 'other'), 'the new key');
  });

  it('is signed for every round with strict counters, each over its own counter', () => {
    const host = runningHost({ sysctls: [['net.inet.carp.strict_counter', '1']] });
    const at = becomeMaster(host);
    const rounds = [1000, 2000].map((d) => adverts(host.tick(at + d))[0] as AdvertiseAction);
    assert.notDeepEqual(decoded(rounds[0] as AdvertiseAction).counter, decoded(rounds[1] as AdvertiseAction).counter);
    for (const round of rounds) assert.ok(signedOver(round, ['192.0.2.100']));
  });
});
