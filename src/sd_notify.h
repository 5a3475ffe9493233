/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Readiness notification to a service manager (systemd Type=notify),
 * without libsystemd: the protocol is one Unix datagram such as "READY=1"
 * sent to the socket named by the NOTIFY_SOCKET environment variable
 * (a path, or "@name" for the abstract namespace).
 *
 * The daemon sends READY=1 once its ports are up and its PMD threads run,
 * and STOPPING=1 when it begins to stop. Without NOTIFY_SOCKET (not
 * started by systemd, or another Type=) nothing is sent.
 *
 * Thread safety: call from the main thread only (it reads the
 * environment); each call opens and closes its own socket.
 */
#ifndef PMDSWITCH_SD_NOTIFY_H
#define PMDSWITCH_SD_NOTIFY_H

/* Send state (e.g. "READY=1\nSTATUS=running") to $NOTIFY_SOCKET.
 * Returns 1 when sent, 0 when NOTIFY_SOCKET is not set, -errno on error. */
int sd_notify_send(const char *state);

#endif
