/** What the in-kernel data path reports (src/kernel/fast-path.ts): the relay learns of it, the log says it. */
import type { FastPathEvents } from '../kernel/fast-path';
import { formatMac } from '../wire/address';
import type { Relay } from '../relay/relay';
import { describeError } from './describe-error';
import type { Logger } from './logger';

/** `relay`: the relay is made after the fast path it is given, and events come only after both exist. */
export function fastPathEvents(relay: () => Relay, logger: Logger): FastPathEvents {
  return {
    active: (ifname, spec) => {
      relay().fastPathActive(ifname, spec);
      logger.info(`${ifname}: the kernel carries unicast IP to ${formatMac(spec.mac)} on ${spec.carpdev} (net.inet.carp.fastpath)`);
    },
    failed: (ifname, error) =>
      logger.warn({ err: error }, `${ifname}: in-kernel data path not installed, the relay carries its traffic: ${describeError(error)}`),
  };
}
