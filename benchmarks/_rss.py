"""Peak resident set size (RSS) of this process, for ``benchmarks/speed.py`` (c).

:func:`peak_increase` runs a function and returns how far the peak RSS rose
above the RSS before it. On Linux (>= 4.0) the peak (``VmHWM`` of
``/proc/self/status``) is first reset to the current RSS through
``/proc/self/clear_refs``; elsewhere the peak is ``ru_maxrss`` and cannot be
reset, so the increase over the earlier peak is only a lower bound.
"""

import gc
import resource
import sys
import time


def _proc_status_bytes(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _peak_rss_so_far():
    peak = _proc_status_bytes("VmHWM")
    if peak is not None:
        return peak
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB else
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def peak_increase(function):
    """Run ``function()``; return (peak RSS minus RSS before, seconds, exact).

    ``exact`` is False where the peak could not be reset: the number is then
    the increase of the peak over the earlier peak, a lower bound.
    """
    gc.collect()
    exact = _reset_peak_rss()
    before = _proc_status_bytes("VmRSS") if exact else None
    if before is None:
        exact, before = False, _peak_rss_so_far()
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    return max(_peak_rss_so_far() - before, 0), seconds, exact
