"""What soak.py and hostile.py read off a server process, from /proc."""

import os
import re
import socket


def free_port():
    """A loopback port that was free a moment ago (ephemeral)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def nfds(pid):
    """Open descriptors of the process."""
    return len(os.listdir("/proc/%d/fd" % pid))
