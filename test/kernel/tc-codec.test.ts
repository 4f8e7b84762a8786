import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import { encodeAddClsact, encodeDeleteClsact, encodeDeleteIngressFilter, encodeFlushEgressFilters } from '../../src/kernel/tc-codec';

/** Hex without spaces: the bytes are grouped by field below for reading. */
const hex = (...fields: string[]): string => fields.join('').replace(/ /g, '');

describe('kernel/tc-codec', function () {
  // The expected bytes are host order on a little-endian machine (x86-64, arm64), as `strace -xx`
  // showed them for the same `tc` commands.
  before(function () {
    if (endianness() !== 'LE') this.skip();
  });

  it('RTM_DELQDISC of clsact is what `tc qdisc del dev carp0 clsact` sends', () => {
    assert.equal(
      encodeDeleteClsact(7, 1).toString('hex'),
      hex(
        '30000000 2500 0500 01000000 00000000', // nlmsghdr: 48 bytes, RTM_DELQDISC, REQUEST|ACK, seq 1, port 0
        '00 000000 07000000', // tcmsg: AF_UNSPEC, padding, ifindex 7
        '0000ffff f1ffffff 00000000', // handle ffff:0, parent TC_H_CLSACT, info 0
        '0b00 0100 636c736163740000', // TCA_KIND "clsact\0", padded to 4
      ),
    );
  });

  it('RTM_NEWQDISC of clsact is what `tc qdisc add dev carp0 clsact` sends: it creates, and refuses where there is one', () => {
    assert.equal(
      encodeAddClsact(7, 2).toString('hex'),
      hex(
        '30000000 2400 0506 02000000 00000000', // nlmsghdr: 48 bytes, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE, seq 2
        '00 000000 07000000', // tcmsg: AF_UNSPEC, padding, ifindex 7
        '0000ffff f1ffffff 00000000', // handle ffff:0, parent TC_H_CLSACT, info 0
        '0b00 0100 636c736163740000', // TCA_KIND "clsact\0", padded to 4
      ),
    );
  });

  it('RTM_DELTFILTER of preference 0 on egress is what `tc filter del dev carp0 egress` sends: the hook`s flush', () => {
    assert.equal(
      encodeFlushEgressFilters(7, 1).toString('hex'),
      hex(
        '24000000 2d00 0500 01000000 00000000', // nlmsghdr: 36 bytes, RTM_DELTFILTER, REQUEST|ACK, seq 1
        '00 000000 07000000', // tcmsg: AF_UNSPEC, padding, ifindex 7
        '00000000 f3ffffff 00000000', // handle 0, parent ffff:fff3 (clsact egress), info: preference 0, any protocol
      ),
    );
  });

  it('RTM_DELTFILTER by preference is what `tc filter del dev eth0 ingress pref 50514` sends', () => {
    assert.equal(
      encodeDeleteIngressFilter(3, 50514, 2).toString('hex'),
      hex(
        '24000000 2d00 0500 02000000 00000000', // nlmsghdr: 36 bytes, RTM_DELTFILTER, REQUEST|ACK, seq 2
        '00 000000 03000000', // tcmsg: AF_UNSPEC, padding, ifindex 3
        '00000000 f2ffffff 000052c5', // handle 0, parent ffff:fff2 (clsact ingress), info: pref 50514 << 16, any protocol
      ),
    );
  });

  it('refuses preference 0, which would delete every filter on the hook', () => {
    assert.throws(() => encodeDeleteIngressFilter(3, 0, 1), /filter preference 0 is not in 1\.\.65535/);
    assert.throws(() => encodeDeleteIngressFilter(3, 65536, 1), /filter preference 65536 is not in 1\.\.65535/);
  });
});
