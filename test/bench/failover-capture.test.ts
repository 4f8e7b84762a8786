import assert from 'node:assert/strict';
import { advertisedFrom, advertisementGap, bothAdvertising, parseAdvertisements, silences, takeovers } from '../../bench/failover-capture';

const TCPDUMP = [
  '1000.000000 IP 10.77.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 1, prio 0, authtype none, intvl 1s, length 36',
  '1001.000000 IP 10.77.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 1, prio 0, authtype none, intvl 1s, length 36',
  '1001.500000 ARP, Request who-has 10.77.0.50 tell 10.77.0.50, length 28',
  '1004.391000 IP 10.77.0.2 > 224.0.0.18: VRRPv2, Advertisement, vrid 1, prio 100, authtype none, intvl 1s, length 36',
  '1005.391000 IP 10.77.0.2 > 224.0.0.18: VRRPv2, Advertisement, vrid 1, prio 100, authtype none, intvl 1s, length 36',
].join('\n');

describe('bench/failover-capture', () => {
  it('reads the time and source of every advertisement tcpdump printed, and nothing else', () => {
    assert.deepEqual(parseAdvertisements(TCPDUMP), [
      { at: 1_000_000, source: '10.77.0.1' },
      { at: 1_001_000, source: '10.77.0.1' },
      { at: 1_004_391, source: '10.77.0.2' },
      { at: 1_005_391, source: '10.77.0.2' },
    ]);
  });

  it('measures a takeover from the old MASTER`s last advertisement to the new one`s first', () => {
    const ads = parseAdvertisements(TCPDUMP);
    assert.equal(advertisementGap(ads, '10.77.0.1', '10.77.0.2', 1_001_200), 3391);
    assert.equal(advertisementGap(ads, '10.77.0.1', '10.77.0.3', 1_001_200), null);
    assert.equal(advertisementGap(ads, '10.77.0.9', '10.77.0.2', 1_001_200), null);
  });

  it('measures how long the leaving MASTER advertised after the returning one began, never below 0', () => {
    const overlapping = [
      { at: 0, source: 'b' },
      { at: 1000, source: 'a' },
      { at: 1470, source: 'b' },
      { at: 2000, source: 'a' },
    ];
    assert.equal(bothAdvertising(overlapping, 'a', 'b', 500), 470);
    assert.equal(bothAdvertising(overlapping.filter((ad) => ad.at !== 1470), 'a', 'b', 500), 0);
    assert.equal(bothAdvertising(overlapping, 'c', 'b', 500), null);
    assert.ok(advertisedFrom(overlapping, 'b'));
    assert.ok(!advertisedFrom(overlapping, 'c'));
  });

  it('counts each time the backup began advertising after the master had, not each of its advertisements', () => {
    const ads = ['a', 'a', 'b', 'b', 'a', 'c', 'a', 'b'].map((source, i) => ({ at: i * 10, source }));
    assert.equal(takeovers(ads, 'a', 'b'), 2);
    assert.equal(takeovers(ads, 'b', 'a'), 1);
    assert.equal(takeovers(ads.filter((ad) => ad.source === 'a'), 'a', 'b'), 0);
  });

  it('lists the times between advertisements of one source, whatever others sent between', () => {
    const ads = [
      { at: 0, source: 'a' },
      { at: 8, source: 'a' },
      { at: 20, source: 'b' },
      { at: 43, source: 'a' },
      { at: 50, source: 'a' },
    ];
    assert.deepEqual(silences(ads, 'a'), [8, 35, 7]);
    assert.deepEqual(silences(ads, 'b'), []);
  });
});
