/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_STREAM_H
#define PMDSWITCH_OFP_STREAM_H

/*
 * A non-blocking byte stream under an OpenFlow connection: plain TCP or
 * TLS (OpenSSL). Everything is driven by the control thread's poll loop:
 * ofp_stream_events() says what to poll for, ofp_stream_progress() moves a
 * TCP connect and a TLS handshake forward, recv/send never block.
 *
 * TLS: struct ofp_tls holds the private key, certificate and CA
 * certificate (PEM files). Both sides must present a certificate signed
 * by the CA (SSL_VERIFY_PEER | FAIL_IF_NO_PEER_CERT); host names are not
 * checked (as in Open vSwitch, the CA is the trust anchor).
 *
 * Thread safety: a stream belongs to one thread; an ofp_tls is read-only
 * once created and may be shared.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ofp_tls;

/* Loads and checks the files. Returns NULL with a message naming the file
 * and the problem in err. */
struct ofp_tls *ofp_tls_create(const char *private_key,
			       const char *certificate, const char *ca_cert,
			       char *err, size_t errlen);
void ofp_tls_destroy(struct ofp_tls *tls);

struct ofp_stream {
	int fd;
	void *ssl;		/* SSL *, NULL for plain TCP. */
	bool connecting;	/* TCP connect in progress. */
	bool handshaking;	/* TLS handshake in progress. */
	bool want_write;	/* The last TLS operation needs POLLOUT. */
	char peer_cn[64];	/* TLS: the peer certificate's CN. */
};

/* Starts a non-blocking TCP connect to host:port. 0 or -errno. */
int ofp_stream_connect(struct ofp_stream *st, const char *host,
		       uint16_t port, char *err, size_t errlen);
/* Wraps an accepted socket. */
void ofp_stream_attach(struct ofp_stream *st, int fd);
/* Puts TLS on the stream (client or server side); the handshake runs in
 * ofp_stream_progress(). 0 or -errno. */
int ofp_stream_start_tls(struct ofp_stream *st, struct ofp_tls *tls,
			 bool server);
/* Advances connect and handshake: 0 when the stream is open, -EAGAIN while
 * in progress, another -errno on failure (reason in err). */
int ofp_stream_progress(struct ofp_stream *st, char *err, size_t errlen);
/* poll() events for the stream. */
short ofp_stream_events(const struct ofp_stream *st, bool want_rx,
			bool have_tx);
/* > 0 bytes, 0 at EOF, -EAGAIN when nothing is there, another -errno. */
ssize_t ofp_stream_recv(struct ofp_stream *st, void *buf, size_t n);
ssize_t ofp_stream_send(struct ofp_stream *st, const void *buf, size_t n);
/* Bytes decrypted but not read yet (poll() cannot see them). */
bool ofp_stream_pending(const struct ofp_stream *st);
void ofp_stream_close(struct ofp_stream *st);

#endif /* PMDSWITCH_OFP_STREAM_H */
