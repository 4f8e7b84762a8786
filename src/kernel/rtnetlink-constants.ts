/**
 * The rtnetlink numbers this module speaks (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h,
 * linux/if_addr.h, linux/if.h). They are kernel ABI and never change meaning.
 */

// Netlink message types (nlmsghdr.nlmsg_type).
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_DELTFILTER = 45;

// nlmsghdr.nlmsg_flags.
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
/** Set on every part of a dump the kernel could not keep consistent while it ran. */
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP = 0x300;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

// rtnetlink multicast groups (RTNLGRP_*): the argument of NETLINK_ADD_MEMBERSHIP.
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV6_IFADDR = 9;

// Address families.
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

// struct ifinfomsg and its attributes.
export const IFINFOMSG_LENGTH = 16;
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFF_UP = 0x1;
export const IFF_LOWER_UP = 0x10000;
export const ARPHRD_ETHER = 1;

// struct ifaddrmsg and its attributes.
export const IFADDRMSG_LENGTH = 8;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
/** u32 with all IFA_F_* flags; ifa_flags in the header holds only the low 8 bits. */
export const IFA_FLAGS = 8;
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;

// Route scopes (rtm_scope, ifa_scope): larger is narrower.
export const RT_SCOPE_UNIVERSE = 0;
