/** The text of `carpctl -h`. */
import { BALANCING_MODE_NAMES } from '../balance/modes';
import { LIMITS } from '../carp/limits';
import { rangeText } from '../config/grammar';
import { CONTROL_SOCKET_ENV, DEFAULT_CONTROL_SOCKET } from '../control/paths';

export const USAGE = `usage: carpctl [--socket PATH] [-j] [command]

  carpctl                             show every carp interface
  carpctl carpN                       show carpN
  carpctl carpN stats                 show carpN's counters
  carpctl carpN explain               show why each vhid of carpN is MASTER or BACKUP
  carpctl stats                       show every counter of carpd
  carpctl monitor                     print state and demotion changes as they happen, until ^C
  carpctl carpN create [settings]     create carpN
  carpctl carpN destroy               destroy carpN
  carpctl carpN settings              change carpN, creating it if it does not exist
  carpctl -g GROUP                    show the group's carp demote count
  carpctl -g GROUP carpdemote [N]     raise it by N (default 1)
  carpctl -g GROUP -carpdemote [N]    lower it by N (default 1)
  carpctl sysctl [-a]                 show every net.inet.carp sysctl
  carpctl sysctl NAME ...             show some
  carpctl sysctl [-w] NAME=VALUE ...  set some
  carpctl maintenance                 show whether maintenance mode is on
  carpctl maintenance on|off          demote this host so that peers take over, or end it
                                      (kept across restarts and reboots)
  carpctl reload                      apply what changed in carpd's configuration files (as SIGHUP)

settings, in any order (keywords may be abbreviated to a unique prefix):
  vhid ${rangeText(LIMITS.vhid)}   advbase ${rangeText(LIMITS.advbase)}   advskew ${rangeText(LIMITS.advskew)}
  carpnodes VHID:ADVSKEW[,...]   balancing ${BALANCING_MODE_NAMES.join('|')}
  pass PASSPHRASE | passfile PATH | -pass
  carpdev IFNAME | -carpdev   carppeer ADDRESS | -carppeer
  state init|backup|master   up | down
  group GROUP   -group GROUP
  garp-refresh SECONDS (${rangeText({ min: 1, max: LIMITS.garpRefresh.max })}; 0 or -garp-refresh: off)
  carpver 2|3 (with vhid; 3 is VRRPv3)   vrrpprio ${rangeText(LIMITS.vrrpprio)}   vrrpinterval ${rangeText(LIMITS.vrrpinterval)} (centiseconds)
  [inet | inet6] ADDRESS[/PREFIX] [netmask MASK | prefixlen N] [alias | -alias]
                one address per command: without alias, an IPv4 address replaces the first one

  -j            print JSON
  --socket PATH the daemon's control socket (default ${DEFAULT_CONTROL_SOCKET}, or $${CONTROL_SOCKET_ENV})

exit status: 0 done, 1 refused or usage error, 2 carpd cannot be reached, is busy or is not trusted
`;
