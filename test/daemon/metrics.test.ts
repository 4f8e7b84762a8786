/**
 * The metrics endpoint of an in-process carpd, scraped over real HTTP on 127.0.0.1: every counter
 * of collectCounters() with the daemon's value, the states, the demotion counters and the loop lag.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { ListenAddress } from '../../src/daemon/listen-address';
import { OPENMETRICS_ACCEPT, parseExposition, scrape } from '../helpers/metrics-scrape';
import { DaemonLab } from './lab';
import { configurePair } from './scenarios';

const LOCALHOST = { host: '127.0.0.1', port: 0 };

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

describe('carpd in-process: the metrics endpoint (--metrics)', () => {
  let lab: DaemonLab;
  let address: ListenAddress;

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 2 });
    address = (await lab.start(1, { metrics: LOCALHOST })).metricsAddress ?? assert.fail('no metrics address');
    await lab.start(2);
    await configurePair(lab);
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
    await lab.advance(3000);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('shows every counter of the daemon with its value, in OpenMetrics', async () => {
    const response = await scrape(address, '/metrics', OPENMETRICS_ACCEPT);
    assert.equal(response.status, 200);
    assert.equal(response.contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    const samples = parseExposition(response.body, 'openmetrics');
    const counters = lab.daemon(1).counters();
    let checked = 0;
    const expect = (key: string, value: unknown): void => {
      assert.equal(typeof value, 'number', key);
      assert.equal(samples.get(key), value, key);
      checked++;
    };
    for (const iface of counters.interfaces) {
      for (const node of iface.nodes) {
        for (const [field, value] of Object.entries(node.stats)) expect(`carp_vhost_${snake(field)}_total{ifname="${iface.name}",vhid="${node.vhid}"}`, value);
      }
      for (const [field, value] of Object.entries(iface.dataPlane ?? {})) expect(`carp_interface_${snake(field)}_total{ifname="${iface.name}"}`, value);
    }
    for (const carpdev of counters.carpdevs) {
      for (const [field, value] of Object.entries(carpdev.protocol)) expect(`carp_carpdev_${snake(field)}_total{carpdev="${carpdev.name}"}`, value);
      for (const [field, value] of Object.entries(carpdev.dataPlane ?? {})) expect(`carp_carpdev_frames_${snake(field)}_total{carpdev="${carpdev.name}"}`, value);
    }
    for (const [field, value] of Object.entries(counters.kernel)) expect(`carpd_netlink_${snake(field)}_total`, value);
    assert.ok(checked >= 30, `${checked} counters`);
    assert.ok((samples.get('carp_vhost_opackets_total{ifname="carp0",vhid="1"}') ?? 0) >= 3, 'the MASTER advertised');
    assert.equal(samples.get('carp_vhost_state{ifname="carp0",vhid="1",state="MASTER"}'), 1);
    assert.equal(samples.get('carp_vhost_state{ifname="carp0",vhid="1",state="BACKUP"}'), 0);
    assert.equal(samples.get('carp_group_demote{group="carp"}'), 0);
    assert.equal(samples.get('carp_interface_demote{ifname="carp0"}'), 0);
    assert.equal(samples.get('carp_demotion'), 0);
    assert.equal(samples.get('carp_maintenance'), 0);
    assert.equal(samples.get('carp_vhost_effective_advskew{ifname="carp0",vhid="1"}'), 0);
    assert.ok(samples.has('carpd_event_loop_lag_seconds'));
    assert.equal(samples.get('carpd_event_loop_stalls_total'), 0);
  });

  it('shows a state change, a demotion and a stall', async () => {
    lab.freeze(1);
    await lab.advance(5000);
    lab.thaw(1);
    await lab.advance(300);
    await lab.ok(1, '-g', 'carp', 'carpdemote', '2');
    await lab.until(() => lab.state(1) === 'BACKUP', 5000);
    const samples = parseExposition((await scrape(address, '/metrics', OPENMETRICS_ACCEPT)).body, 'openmetrics');
    assert.equal(samples.get('carp_vhost_state{ifname="carp0",vhid="1",state="MASTER"}'), 0);
    assert.equal(samples.get('carp_vhost_state{ifname="carp0",vhid="1",state="BACKUP"}'), 1);
    assert.ok((samples.get('carp_vhost_to_backup_total{ifname="carp0",vhid="1"}') ?? 0) >= 1);
    // 2 by the administrator, 1 by the stall itself (src/carp/loop-lag.ts).
    assert.equal(samples.get('carp_group_demote{group="carp"}'), 3);
    assert.equal(samples.get('carp_interface_demote{ifname="carp0"}'), 3);
    assert.ok((samples.get('carpd_event_loop_lag_max_seconds') ?? 0) >= 4.5, 'the 5 s freeze shows as lag');
    assert.equal(samples.get('carpd_event_loop_stalls_total'), 1);
  });

  it('shows maintenance mode and its demotion', async () => {
    await lab.ok(1, 'maintenance', 'on');
    const samples = parseExposition((await scrape(address, '/metrics', OPENMETRICS_ACCEPT)).body, 'openmetrics');
    assert.equal(samples.get('carp_maintenance'), 1);
    assert.equal(samples.get('carp_demotion'), 240);
    assert.equal(samples.get('carp_vhost_effective_advskew{ifname="carp0",vhid="1"}'), 240);
    await lab.ok(1, 'maintenance', 'off');
    assert.equal(parseExposition((await scrape(address, '/metrics', OPENMETRICS_ACCEPT)).body, 'openmetrics').get('carp_maintenance'), 0);
  });

  it('answers a scraper without an Accept header in the text format 0.0.4, with the same samples', async () => {
    const [text, open] = [await scrape(address), await scrape(address, '/metrics', OPENMETRICS_ACCEPT)];
    assert.equal(text.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(text.body, /^# TYPE carp_vhost_ipackets_total counter$/m);
    assert.doesNotMatch(text.body, /# EOF/);
    assert.deepEqual(parseExposition(text.body, 'text'), parseExposition(open.body, 'openmetrics'));
  });

  it('serves /metrics only, read-only', async () => {
    assert.equal((await scrape(address, '/')).status, 404);
    const status = await new Promise<number>((resolve, reject) => {
      const post = request({ host: address.host, port: address.port, path: '/metrics', method: 'POST' }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      post.on('error', reject);
      post.end();
    });
    assert.equal(status, 405);
  });

  it('fails the start when the port is taken, before touching any device', async () => {
    await lab.stop(2);
    await assert.rejects(lab.start(2, { metrics: address, config: { 'carp1.conf': 'vhid 9 pass x carpdev eth0\n' } }), /--metrics 127\.0\.0\.1:\d+: listen EADDRINUSE/);
    assert.equal(lab.world.host(2).kernel.link('carp1'), undefined, 'carp1.conf was not applied');
  });
});
