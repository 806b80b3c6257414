"""Who may connect to AudioSocket: the protocol has no authentication of its own.

Only source addresses inside the allow-list (CALLMON_AUDIOSOCKET_ALLOW:
addresses or CIDR networks, loopback by default) are accepted; IPv4 peers on a
dual-stack socket arrive as IPv4-mapped IPv6 addresses and are matched as IPv4.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

DEFAULT_ALLOW = "127.0.0.0/8,::1"
"""AudioSocket has no authentication: only these source networks may connect."""
DEFAULT_MAX_CONNECTIONS = 400

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`CALLMON_AUDIOSOCKET_ALLOW`: comma-separated addresses or CIDR networks."""
    networks = []
    for item in text.split(","):
        if item.strip():
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return tuple(networks)


def address_allowed(host: str, networks: Iterable[Network]) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
