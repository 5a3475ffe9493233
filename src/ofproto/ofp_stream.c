/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct ofp_tls {
	SSL_CTX *client;
	SSL_CTX *server;
};

static void
ssl_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t off = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		char one[256];

		ERR_error_string_n(e, one, sizeof(one));
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? "; " : "", one);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "unknown TLS error");
}

static SSL_CTX *
ctx_create(bool server, const char *key, const char *cert, const char *ca,
	   char *err, size_t errlen)
{
	char why[512];
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
					    TLS_client_method());

	if (ctx == NULL) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "cannot create a TLS context: %s", why);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "certificate %s: %s", cert, why);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "private key %s: %s", key, why);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "private key %s does not match "
			 "certificate %s: %s", key, cert, why);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "CA certificate %s: %s", ca, why);
		goto fail;
	}
	if (server) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(ctx, names);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct ofp_tls *
ofp_tls_create(const char *private_key, const char *certificate,
	       const char *ca_cert, char *err, size_t errlen)
{
	const char *files[3] = { private_key, certificate, ca_cert };
	const char *what[3] = { "private key", "certificate",
				"CA certificate" };
	struct ofp_tls *tls;

	for (int i = 0; i < 3; i++) {
		if (files[i] == NULL || files[i][0] == '\0') {
			snprintf(err, errlen, "TLS: no %s file given", what[i]);
			errno = EINVAL;
			return NULL;
		}
		if (access(files[i], R_OK) != 0) {
			int e = errno;
			snprintf(err, errlen, "%s %s: %s", what[i], files[i],
				 strerror(e));
			errno = e;
			return NULL;
		}
	}
	tls = calloc(1, sizeof(*tls));
	if (tls == NULL)
		return NULL;
	tls->client = ctx_create(false, private_key, certificate, ca_cert,
				 err, errlen);
	if (tls->client != NULL)
		tls->server = ctx_create(true, private_key, certificate,
					 ca_cert, err, errlen);
	if (tls->server == NULL) {
		ofp_tls_destroy(tls);
		errno = EINVAL;
		return NULL;
	}
	return tls;
}

void
ofp_tls_destroy(struct ofp_tls *tls)
{
	if (tls == NULL)
		return;
	SSL_CTX_free(tls->client);
	SSL_CTX_free(tls->server);
	free(tls);
}

int
ofp_stream_connect(struct ofp_stream *st, const char *host, uint16_t port,
		   char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char ports[8];
	int rc;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ports, sizeof(ports), "%u", port);
	rc = getaddrinfo(host, ports, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
				       SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		freeaddrinfo(ai);
		snprintf(err, errlen, "socket: %s", strerror(-rc));
		return rc;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    errno != EINPROGRESS) {
		rc = -errno;
		freeaddrinfo(ai);
		close(fd);
		snprintf(err, errlen, "%s", strerror(-rc));
		return rc;
	}
	freeaddrinfo(ai);
	st->fd = fd;
	st->connecting = true;
	return 0;
}

void
ofp_stream_attach(struct ofp_stream *st, int fd)
{
	memset(st, 0, sizeof(*st));
	st->fd = fd;
}

int
ofp_stream_start_tls(struct ofp_stream *st, struct ofp_tls *tls, bool server)
{
	SSL *ssl = SSL_new(server ? tls->server : tls->client);

	if (ssl == NULL)
		return -ENOMEM;
	if (SSL_set_fd(ssl, st->fd) != 1) {
		SSL_free(ssl);
		return -EIO;
	}
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	st->ssl = ssl;
	st->handshaking = true;
	return 0;
}

int
ofp_stream_progress(struct ofp_stream *st, char *err, size_t errlen)
{
	if (st->connecting) {
		struct pollfd p = { .fd = st->fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (poll(&p, 1, 0) <= 0)
			return -EAGAIN;
		if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr != 0) {
			snprintf(err, errlen, "%s", strerror(soerr));
			return -soerr;
		}
		st->connecting = false;
	}
	if (st->handshaking) {
		SSL *ssl = st->ssl;

		ERR_clear_error();
		int rc = SSL_do_handshake(ssl);
		if (rc != 1) {
			int e = SSL_get_error(ssl, rc);
			char why[512];

			st->want_write = e == SSL_ERROR_WANT_WRITE;
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				return -EAGAIN;
			long vr = SSL_get_verify_result(ssl);
			if (vr != X509_V_OK)
				snprintf(why, sizeof(why),
					 "peer certificate: %s",
					 X509_verify_cert_error_string(vr));
			else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
				snprintf(why, sizeof(why), "connection closed "
					 "by the peer during the handshake");
			else
				ssl_errors(why, sizeof(why));
			snprintf(err, errlen, "TLS handshake failed: %s", why);
			return -ECONNABORTED;
		}
		st->handshaking = false;
		st->want_write = false;
		X509 *cert = SSL_get_peer_certificate(ssl);
		if (cert != NULL) {
			X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
						  NID_commonName, st->peer_cn,
						  sizeof(st->peer_cn));
			X509_free(cert);
		}
	}
	return 0;
}

short
ofp_stream_events(const struct ofp_stream *st, bool want_rx, bool have_tx)
{
	if (st->connecting)
		return POLLOUT;
	if (st->handshaking)
		return st->want_write ? POLLOUT : POLLIN;
	short ev = 0;
	if (want_rx)
		ev |= POLLIN;
	if (have_tx || st->want_write)
		ev |= POLLOUT;
	return ev;
}

static ssize_t
ssl_result(struct ofp_stream *st, int rc)
{
	int e = SSL_get_error(st->ssl, rc);

	st->want_write = e == SSL_ERROR_WANT_WRITE;
	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		return errno ? -errno : 0;
	default:
		return -EPROTO;
	}
}

ssize_t
ofp_stream_recv(struct ofp_stream *st, void *buf, size_t n)
{
	if (st->ssl != NULL) {
		ERR_clear_error();
		errno = 0;
		int rc = SSL_read(st->ssl, buf, n > INT32_MAX ? INT32_MAX :
								(int)n);
		if (rc > 0) {
			st->want_write = false;
			return rc;
		}
		return ssl_result(st, rc);
	}
	ssize_t rc = recv(st->fd, buf, n, 0);
	if (rc >= 0)
		return rc;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return -EAGAIN;
	return -errno;
}

ssize_t
ofp_stream_send(struct ofp_stream *st, const void *buf, size_t n)
{
	if (st->ssl != NULL) {
		ERR_clear_error();
		errno = 0;
		int rc = SSL_write(st->ssl, buf, n > INT32_MAX ? INT32_MAX :
								 (int)n);
		if (rc > 0) {
			st->want_write = false;
			return rc;
		}
		ssize_t r = ssl_result(st, rc);
		return r == 0 ? -EPIPE : r;
	}
	ssize_t rc = send(st->fd, buf, n, MSG_NOSIGNAL);
	if (rc >= 0)
		return rc;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return -EAGAIN;
	return -errno;
}

bool
ofp_stream_pending(const struct ofp_stream *st)
{
	return st->ssl != NULL && !st->handshaking &&
	       SSL_pending(st->ssl) > 0;
}

void
ofp_stream_close(struct ofp_stream *st)
{
	if (st->ssl != NULL) {
		if (!st->handshaking)
			SSL_shutdown(st->ssl);
		SSL_free(st->ssl);
		st->ssl = NULL;
	}
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}
