import assert from 'node:assert/strict';
import { formatEvent, formatEventJson } from '../../src/cli/format-events';
import { formatExplanation } from '../../src/cli/format-explain';
import type { ExplanationDto, MonitorEventDto } from '../../src/control/protocol';

const TIME = '2026-12-06T17:40:00.123Z';

describe('carpctl monitor and explain output', () => {
  it('prints one line per event, time first, for a state change and both kinds of demotion counter', () => {
    const events: MonitorEventDto[] = [
      { kind: 'state', time: TIME, ifname: 'carp0', vhid: 1, from: 'BACKUP', to: 'MASTER', reason: 'master-down', text: 'master down timer expired' },
      { kind: 'demotion', time: TIME, group: 'carp', from: 0, to: 1, reason: 'carpdev', text: 'carpdev link down or interface down' },
      { kind: 'demotion', time: TIME, group: null, from: 0, to: 240, reason: 'carpdev', text: 'carpdev link down or interface down' },
    ];
    assert.equal(
      events.map(formatEvent).join(''),
      `${TIME} carp0 vhid 1 BACKUP -> MASTER (master down timer expired)\n` +
        `${TIME} group carp demote 0 -> 1 (carpdev link down or interface down)\n` +
        `${TIME} net.inet.carp.demotion 0 -> 240 (carpdev link down or interface down)\n`,
    );
    const [first] = events;
    assert.ok(first);
    assert.equal(formatEventJson(first), `${JSON.stringify(first)}\n`);
  });

  it('prints what goes on the wire when demotion changes the advskew, and every peer newest first', () => {
    const explanation: ExplanationDto = {
      name: 'carp1',
      advbase: 2,
      demote: 0,
      preempt: true,
      carppeers: ['192.0.2.2', '2001:db8::2'],
      nodes: [
        {
          vhid: 5,
          state: 'INIT',
          advskew: 10,
          effectiveAdvskew: 250,
          lastTransition: null,
          peers: [
            { source: '192.0.2.2', advbase: 2, advskew: 0, demote: 0, secondsAgo: 0.3 },
            { source: '192.0.2.3', advbase: 2, advskew: 50, demote: 1, secondsAgo: 12.5 },
          ],
          timer: null,
          rule: 'INIT: not started yet',
        },
      ],
    };
    assert.equal(
      formatExplanation(explanation),
      'carp1: advbase 2 demote 0 preempt on carppeer 192.0.2.2 carppeer 2001:db8::2\n' +
        '\tvhid 5 INIT advskew 10 (sent 250)\n' +
        '\t\tpeer 192.0.2.2 advbase 2 advskew 0 demote 0, heard 0.3 s ago\n' +
        '\t\tpeer 192.0.2.3 advbase 2 advskew 50 demote 1, heard 12.5 s ago\n' +
        '\t\tINIT: not started yet\n',
    );
  });
});
