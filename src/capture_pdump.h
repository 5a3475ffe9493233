/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CAPTURE_PDUMP_H
#define PMDSWITCH_CAPTURE_PDUMP_H

/*
 * dpdk-dumpcap and dpdk-pdump, served by the daemon's own capture.
 *
 * Those tools are DPDK secondary processes of the daemon's --file-prefix.
 * They create a ring and an mbuf pool in the shared memory, ask the
 * primary (a "mp_pdump" multi-process request) to copy a port's packets
 * into them, and at the end ask it to stop, then free the ring and the
 * pool. DPDK's own server (rte_pdump_init) copies from ethdev rx/tx
 * callbacks on the PMD threads, and its "stop" removes the callbacks
 * without waiting for a PMD that is inside one: a PMD preempted there
 * went on into the freed pool and crashed the daemon.
 *
 * This module answers the same requests instead (the 22.11 layout that
 * Debian's dpdk-dumpcap and dpdk-pdump send):
 * - the handler, on DPDK's multi-process thread, only queues the request
 *   and returns; the server thread takes config_lock, acts, then replies;
 * - "enable" starts a capture of the port (capture.h) whose sink runs the
 *   client's BPF filter and copies each packet into the client's pool
 *   (pcapng blocks for dpdk-dumpcap, plain copies for dpdk-pdump) and
 *   onto its ring, counting in the statistics the client reads
 *   (rte_pdump_stats, the "rte_pdump_stats" memzone this module reserves);
 * - "disable" stops that capture (capture_stop(): the capture thread has
 *   ended and the PMDs are past an RCU grace period) and only then
 *   replies, so nothing of the daemon touches the client's ring or pool
 *   once the client may free them;
 * - a client that dies without "disable" ends its capture within a second
 *   (its pid, from its socket name, is gone).
 *
 * Limits: one client, one port, every queue (queue=*); a capture of
 * pmdswitch-ctl and a client exclude each other (one capture at a time).
 * A refused request gets an errno the tool prints, and a log line says why.
 */

struct pmdswitch;

/* Reserve the statistics memzone, start the server thread and take the
 * "mp_pdump" requests. 0, or -errno (logged; the switch runs without). */
int capture_pdump_start(struct pmdswitch *sw);
/* Stop taking requests and end a client's capture (daemon shutdown,
 * before capture_shutdown()). */
void capture_pdump_stop(struct pmdswitch *sw);

#endif /* PMDSWITCH_CAPTURE_PDUMP_H */
