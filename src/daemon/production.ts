/**
 * The real collaborators of carpd: the native addon, rtnetlink, /proc, /sys, iproute2, a Unix
 * socket, and systemd's notification socket when carpd runs as a Type=notify service.
 */
import { startControlServer } from '../control/transport';
import { configureCarpInterface, configureCarpdev } from '../kernel/carp-kernel-setup';
import { ipv6Forwarding, isTapDevice } from '../kernel/host-facts';
import { NetlinkControl } from '../kernel/link-control';
import { NetlinkMirror } from '../kernel/netlink-mirror';
import { runFastPathTool } from '../kernel/fast-path';
import { NetlinkFastPathRequests } from '../kernel/fast-path-requests';
import { readCapturedIfindexes } from '../kernel/packet-captures';
import { reconcilePolicyRoutingOf } from '../kernel/policy-routing';
import type { SysctlChange } from '../kernel/proc-sys';
import { nativeBinding, sendUnixDatagram } from '../native/binding';
import { monotonicClock } from './clock';
import { describeError } from './describe-error';
import type { DaemonEnvironment } from './daemon';
import type { Logger } from './logger';
import { systemdNotifier } from './systemd-notifier';

const describeChange = (change: SysctlChange): string => `${change.name}: ${change.from} -> ${change.to}`;

export function productionEnvironment(logger: Logger): DaemonEnvironment {
  const mirror = new NetlinkMirror({ onError: (error) => logger.warn({ err: error }, `kernel mirror: ${error.message}`) });
  return {
    binding: nativeBinding,
    mirror,
    control: new NetlinkControl(),
    kernelTasks: {
      configureCarpdev: async (carpdev) => (await configureCarpdev(carpdev)).map(describeChange),
      reconcileRouting: async (wanted) => {
        const outcomes = await reconcilePolicyRoutingOf(wanted);
        return new Map([...outcomes].map(([ifname, { changes, error }]) => [ifname, { changes: changes.map((c) => c.command), error }]));
      },
    },
    prepareCarpInterface: async (ifname) => (await configureCarpInterface(ifname)).map(describeChange),
    isTapDevice: (ifname) => isTapDevice(ifname),
    ipv6Forwarding: () => ipv6Forwarding(),
    listen: (path, handler) => startControlServer(path, handler, { logger }),
    clock: monotonicClock,
    timers: { setTimeout, clearTimeout, afterPendingInput: setImmediate },
    logger,
    fastPathRunner: runFastPathTool,
    fastPathRequests: new NetlinkFastPathRequests((ifname) => mirror.linkByName(ifname)?.index ?? null),
    packetCaptures: () => readCapturedIfindexes(),
    notifier: systemdNotifier(process.env, sendUnixDatagram, (message) => logger.warn(message)),
    // systemctl reload carpd: ExecReload= sends SIGHUP (systemd/carpd.service).
    onReloadRequest: (reload) =>
      process.on('SIGHUP', () => {
        reload().catch((e: unknown) => logger.error({ err: e }, `SIGHUP: reload failed: ${describeError(e)}`));
      }),
  };
}
