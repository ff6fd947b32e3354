#ifndef CHURND_CINOTIFYTOOLS_SHIM_H
#define CHURND_CINOTIFYTOOLS_SHIM_H

// libinotifytools ships no pkg-config file: the module map links it by name (Debian: libinotifytools0-dev).
#include <inotifytools/inotifytools.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <linux/magic.h>

/// `struct inotify_event` ends in a flexible array member (`char name[]`) that Swift does not import:
/// this returns it, or "" when the event carries no name (events on the watched directory itself).
static inline const char *churnd_inotify_event_name(const struct inotify_event *event) {
    return event->len > 0 ? event->name : "";
}

#endif
