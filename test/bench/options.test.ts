import assert from 'node:assert/strict';
import { UsageError, parseBenchArgs } from '../../bench/options';

describe('bench/options', () => {
  it('defaults to every case, 5 rounds of 5 s, 500 pings every 10 ms, TCP with cubic and bbr, 8 flows, 7 failover trials of every contender', () => {
    assert.deepEqual(parseBenchArgs([]), {
      kind: 'run',
      options: {
        cases: ['dataplane', 'balancing', 'filter', 'failover', 'scale', 'soak'],
        rounds: 5,
        seconds: 5,
        pings: 500,
        pingInterval: 0.01,
        congestion: ['cubic', 'bbr'],
        flows: 8,
        trials: 7,
        contenders: ['carpd', 'carpd-fastpath', 'carpd-vrrp3', 'ucarp', 'keepalived-v2', 'keepalived-v3'],
        vhids: 255,
        carpdevs: 1,
        scaleSeconds: 60,
        scaleWarmup: 30,
        soakSeconds: 600,
        soakSkews: [1, 2, 4, 8, 12],
        soakNice: 0,
        soakRr: 0,
        soakHogs: 0,
        fastpath: true,
        memorySettings: 'unit',
      },
    });
  });

  it('takes every option', () => {
    const parsed = parseBenchArgs([
      ...['--case', 'dataplane', '--rounds', '3', '--seconds', '2', '--pings', '100', '--ping-interval', '0.05', '--congestion', 'reno', '--flows', '16'],
      ...['--trials', '9', '--contenders', 'keepalived-v3,carpd', '--vhids', '16', '--carpdevs', '4', '--scale-seconds', '5', '--scale-warmup', '0'],
      ...['--soak-seconds', '30', '--soak-skews', '16,3,8,3', '--soak-nice=-10', '--soak-hogs', '6', '--fastpath', '0'],
      ...['--memory-settings', 'node'],
    ]);
    assert.deepEqual(parsed, {
      kind: 'run',
      options: {
        cases: ['dataplane'],
        rounds: 3,
        seconds: 2,
        pings: 100,
        pingInterval: 0.05,
        congestion: ['reno'],
        flows: 16,
        trials: 9,
        contenders: ['carpd', 'keepalived-v3'],
        vhids: 16,
        carpdevs: 4,
        scaleSeconds: 5,
        scaleWarmup: 0,
        soakSeconds: 30,
        soakSkews: [3, 8, 16],
        soakNice: -10,
        soakRr: 0,
        soakHogs: 6,
        fastpath: false,
        memorySettings: 'node',
      },
    });
  });

  it('runs the cases named, in their fixed order (the filter case uses what the balancing case measured)', () => {
    const cases = (text: string): unknown => (parseBenchArgs(['--case', text]) as { options: { cases: unknown } }).options.cases;
    assert.deepEqual(cases('filter,balancing'), ['balancing', 'filter']);
    assert.deepEqual(cases('all'), ['dataplane', 'balancing', 'filter', 'failover', 'scale', 'soak']);
  });

  it('refuses bad values, saying what it wants', () => {
    assert.throws(() => parseBenchArgs(['--rounds', '0']), UsageError);
    assert.throws(() => parseBenchArgs(['--seconds', '1.5']), /whole number of at least 1/);
    assert.throws(() => parseBenchArgs(['--ping-interval', '0']), /seconds above 0/);
    assert.throws(() => parseBenchArgs(['--congestion', 'cubic;rm']), /names such as cubic,bbr/);
    assert.throws(() => parseBenchArgs(['--case', 'dataplane,latency']), /--case wants dataplane, balancing, filter, failover, scale, soak or all, not "latency"/);
    assert.throws(() => parseBenchArgs(['--vhids', '256']), /--vhids wants 1 to 255, not "256"/);
    assert.throws(() => parseBenchArgs(['--scale-warmup', '1.5']), /--scale-warmup wants a whole number of seconds, 0 or more, not "1.5"/);
    assert.equal((parseBenchArgs(['--scale-warmup', '120']) as { options: { scaleWarmup: number } }).options.scaleWarmup, 120);
    assert.throws(() => parseBenchArgs(['--soak-skews', '0,4']), /--soak-skews wants advskews 1 to 254, comma-separated, not "0,4"/);
    assert.throws(() => parseBenchArgs(['--soak-skews', '255']), /1 to 254/);
    assert.throws(() => parseBenchArgs(['--soak-nice=-21']), /--soak-nice wants a niceness of -20 to 19, not "-21"/);
    assert.throws(() => parseBenchArgs(['--soak-rr=0']), /--soak-rr wants a SCHED_RR priority of 1 to 99, not "0"/);
    assert.throws(() => parseBenchArgs(['--soak-rr=100']), /1 to 99/);
    assert.equal((parseBenchArgs(['--soak-rr=10']) as { options: { soakRr: number } }).options.soakRr, 10);
    assert.throws(() => parseBenchArgs(['--soak-rr=10', '--soak-nice=-5']), /--soak-nice and --soak-rr exclude each other/);
    assert.throws(() => parseBenchArgs(['--soak-hogs', '1.5']), /--soak-hogs wants a whole number, 0 or more, not "1.5"/);
    assert.throws(() => parseBenchArgs(['--carpdevs', '5']), /--carpdevs wants 1 to 4, not "5"/);
    assert.throws(() => parseBenchArgs(['--carpdevs', '0']), /--carpdevs wants a whole number of at least 1/);
    assert.throws(() => parseBenchArgs(['--contenders', 'carpd,vrrpd']), /--contenders wants some of carpd, carpd-fastpath, carpd-vrrp3, ucarp, keepalived-v2, keepalived-v3, not "vrrpd"/);
    assert.throws(() => parseBenchArgs(['--trials', '0']), /--trials wants a whole number of at least 1/);
    assert.throws(() => parseBenchArgs(['--flows', '1']), /--flows wants 2 to 64/);
    assert.throws(() => parseBenchArgs(['--flows', '65']), /--flows wants 2 to 64/);
    assert.throws(() => parseBenchArgs(['--memory-settings', 'small']), /--memory-settings wants unit or node, not "small"/);
    assert.throws(() => parseBenchArgs(['--fast']), UsageError);
  });
});
