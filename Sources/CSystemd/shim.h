#ifndef CHURND_CSYSTEMD_SHIM_H
#define CHURND_CSYSTEMD_SHIM_H

// sd-daemon only: sd_notify and sd_watchdog_enabled (pkg-config: libsystemd; Debian: libsystemd-dev).
#include <systemd/sd-daemon.h>

#endif
