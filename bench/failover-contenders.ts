/**
 * The failover benchmark's contenders: carpd (CARP, and VRRPv3 at 0.1 s) and the tools an
 * administrator would pick instead, each set up as the goals assume (advertisements every
 * second, or every 0.1 s for VRRPv3, the backup 100 worse, the better host preempting), with the
 * VIP moved the way each tool moves it. One host's daemon
 * becomes a `Running`, which the scenarios start, watch and stop alike.
 */
import { advertisementInterval, masterDownInterval } from '../src/carp/timing';
import { type CarpLab, SUBNET4, VIP4 } from '../test/netns/carp-lab';
import { Keepalived } from '../test/netns/keepalived';
import { Ucarp } from '../test/netns/ucarp';
import { carpdVrrpState, carpdVrrpWords } from '../test/netns/vrrp-routers';

export type ContenderName = 'carpd' | 'carpd-fastpath' | 'carpd-vrrp3' | 'ucarp' | 'keepalived-v2' | 'keepalived-v3';
export const CONTENDER_NAMES: readonly ContenderName[] = ['carpd', 'carpd-fastpath', 'carpd-vrrp3', 'ucarp', 'keepalived-v2', 'keepalived-v3'];

/** The preferred host is MASTER when both run; the backup advertises 100/256 of an interval later. */
export type Role = 'preferred' | 'backup';

/** One host's daemon. */
export interface Running {
  isMaster(): Promise<boolean>;
  /** SIGKILL: nothing more leaves it. */
  crash(): Promise<void>;
  /** SIGTERM, as `systemctl stop` sends: what the tool does on an orderly stop. */
  stop(): Promise<void>;
  /** Taken down administratively while the daemon runs; null where the tool has no such command. */
  readonly down: (() => Promise<void>) | null;
}

export interface Contender {
  readonly name: ContenderName;
  /** carpd in one of its modes: measured against the others that advertise as often. */
  readonly ours: boolean;
  /** Its settings, for the report. */
  readonly settings: string;
  /** How often the MASTER advertises, ms. */
  readonly advertisementMs: number;
  /** The backup's master-down interval by the tool's own rules, ms. */
  readonly masterDownMs: number;
  start(lab: CarpLab, host: string, role: Role): Promise<Running>;
}

const PASS = 'bench';
const VHID = 1;
const BACKUP_SKEW = 100;

/** h1 -> 10.77.0.1, as CarpLab numbers its hosts. */
const hostAddress = (lab: CarpLab, host: string): string => `${SUBNET4}.${lab.hosts.indexOf(host) + 1}`;

/**
 * carpd with the preferred host at (advbase, preferredSkew) and the backup at (advbase,
 * backupSkew), both preempting. The failover case runs advbase 1, advskew 0/100; the soak case
 * runs sub-second settings (advbase 0). `fastpath`: net.inet.carp.fastpath, set on both hosts
 * (carpd-fastpath measures the in-kernel data path against the relay, carpd, in the same run);
 * null leaves carpd's default.
 */
export function carpdContender(advbase: number, preferredSkew: number, backupSkew: number, fastpath: 0 | 1 | null = null): Contender {
  const sysctls = ['net.inet.carp.preempt=1', ...(fastpath === null ? [] : [`net.inet.carp.fastpath=${fastpath}`])];
  return {
    name: fastpath === 1 ? 'carpd-fastpath' : 'carpd',
    ours: true,
    settings: `advbase ${advbase}, advskew ${preferredSkew}/${backupSkew}, ${sysctls.join(', ')}`,
    advertisementMs: advertisementInterval(advbase, preferredSkew),
    masterDownMs: masterDownInterval('classic', advbase, backupSkew),
    async start(lab, host, role) {
      await lab.startDaemon(host, { config: { 'sysctl.conf': sysctls.map((line) => `${line}\n`).join('') } });
      const skew = role === 'backup' ? backupSkew : preferredSkew;
      await lab.configureCarp(host, `vhid ${VHID} advbase ${advbase} advskew ${skew} pass ${PASS} carpdev eth0`);
      return {
        isMaster: async () => (await lab.state(host)) === 'MASTER',
        crash: async () => void (await lab.stopDaemon(host, 'SIGKILL')),
        stop: async () => void (await lab.stopDaemon(host, 'SIGTERM')),
        down: async () => void (await lab.ctl(host, 'carp0', 'down')),
      };
    },
  };
}

const ucarp: Contender = {
  name: 'ucarp',
  ours: false,
  settings: `advbase 1, advskew 0/${BACKUP_SKEW}, --preempt, --shutdown, VIP moved by up/down scripts`,
  advertisementMs: 1000,
  masterDownMs: 3000 + (BACKUP_SKEW * 1000) / 256,
  async start(lab, host, role) {
    const daemon = await Ucarp.start(lab, host, {
      vhid: VHID,
      pass: PASS,
      advskew: role === 'backup' ? BACKUP_SKEW : 0,
      srcip: hostAddress(lab, host),
      vip: VIP4,
      preempt: true,
    });
    return {
      isMaster: () => Promise.resolve(daemon.state === 'MASTER'),
      crash: () => daemon.stop('SIGKILL'),
      stop: () => daemon.stop('SIGTERM'),
      down: null,
    };
  },
};

/**
 * VRRP's skew is (256 - priority) / 256 of an interval (RFC 5798 6.1), so priority 100 on the
 * backup is advskew 100's master-down within 6 ms: 3.61 s at 1 s, 0.36 s at 0.1 s.
 */
const VRRP_PRIORITY = 200;
const VRRP_BACKUP_PRIORITY = 100;
const vrrpMasterDownMs = (advertisementMs: number): number => 3 * advertisementMs + ((256 - VRRP_BACKUP_PRIORITY) * advertisementMs) / 256;

/** carpd's VRRPv3 mode as keepalived's VRRPv3 contender is set up: every 0.1 s, priority 200 / 100. */
const CARPD_VRRP_INTERVAL_CS = 10;
const carpdVrrp3: Contender = {
  name: 'carpd-vrrp3',
  ours: true,
  settings: `carpver 3, vrrpinterval ${CARPD_VRRP_INTERVAL_CS}, vrrpprio ${VRRP_PRIORITY}/${VRRP_BACKUP_PRIORITY}, net.inet.carp.preempt=1`,
  advertisementMs: CARPD_VRRP_INTERVAL_CS * 10,
  masterDownMs: vrrpMasterDownMs(CARPD_VRRP_INTERVAL_CS * 10),
  async start(lab, host, role) {
    const priority = role === 'backup' ? VRRP_BACKUP_PRIORITY : VRRP_PRIORITY;
    // From carp0.conf at boot, as keepalived starts from its configuration file, so that both
    // contenders' starts take the same steps: at 0.1 s the whole master-down interval (361 ms) is
    // shorter than a daemon's start, and carpctl calls after it would add to one side only.
    const words = carpdVrrpWords({ vrid: VHID, priority, intervalCs: CARPD_VRRP_INTERVAL_CS });
    await lab.startDaemon(host, { config: { 'sysctl.conf': 'net.inet.carp.preempt=1\n', 'carp0.conf': `${words}\ninet ${VIP4}/24\n` } });
    return {
      isMaster: async () => (await carpdVrrpState(lab, host)) === 'MASTER',
      crash: async () => void (await lab.stopDaemon(host, 'SIGKILL')),
      stop: async () => void (await lab.stopDaemon(host, 'SIGTERM')),
      down: async () => void (await lab.ctl(host, 'carp0', 'down')),
    };
  },
};

function keepalived(version: 2 | 3, advertInt: number): Contender {
  const advertisementMs = advertInt * 1000;
  return {
    name: version === 2 ? 'keepalived-v2' : 'keepalived-v3',
    ours: false,
    settings: `VRRPv${version}, advert_int ${advertInt}, priority ${VRRP_PRIORITY}/${VRRP_BACKUP_PRIORITY}, preempt`,
    advertisementMs,
    masterDownMs: vrrpMasterDownMs(advertisementMs),
    async start(lab, host, role) {
      const daemon = await Keepalived.start(lab, host, [
        { name: 'BENCH', version, vrid: VHID, priority: role === 'backup' ? VRRP_BACKUP_PRIORITY : VRRP_PRIORITY, vip: VIP4, advertInt },
      ]);
      return {
        isMaster: () => Promise.resolve(daemon.state('BENCH') === 'MASTER'),
        crash: () => daemon.stop('SIGKILL'),
        stop: () => daemon.stop('SIGTERM'),
        down: null,
      };
    },
  };
}

export const CONTENDERS: Readonly<Record<ContenderName, Contender>> = {
  carpd: carpdContender(1, 0, BACKUP_SKEW, 0),
  'carpd-fastpath': carpdContender(1, 0, BACKUP_SKEW, 1),
  'carpd-vrrp3': carpdVrrp3,
  ucarp,
  'keepalived-v2': keepalived(2, 1),
  'keepalived-v3': keepalived(3, 0.1),
};
