"""The machine's LAN address, for a hall run without ``[hall] public_url``: what phones in the hall can reach.

Read from the kernel (the interface of the default route, then any other up interface) without sending
a packet anywhere.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from pathlib import Path

_SIOCGIFADDR = 0x8915


def interface_address(name: str) -> str | None:
    """The IPv4 address of interface *name*, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            packed = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def default_route_interface(route_table: Path = Path("/proc/net/route")) -> str | None:
    """The interface of the default route (destination 0.0.0.0), from the kernel's routing table."""
    try:
        lines = route_table.read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[1] == "00000000":
            return fields[0]
    return None


def lan_address() -> str:
    """The address of this machine on its LAN; 127.0.0.1 when it has none."""
    candidates = [default_route_interface()] + [name for _, name in socket.if_nameindex()]
    for name in candidates:
        if not name or name == "lo":
            continue
        address = interface_address(name)
        if address and not ipaddress.ip_address(address).is_loopback:
            return address
    return "127.0.0.1"


def public_base_for(host: str, port: int) -> str:
    """The address phones should use for a server bound to *host*:*port* (the LAN address for 0.0.0.0)."""
    reachable = lan_address() if host in ("0.0.0.0", "::", "") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"http://{reachable}" + ("" if port == 80 else f":{port}")
