/* SPDX-License-Identifier: MIT */
/*
 * peertool: a test-only peer for the integration suite.  It seals
 * envelopes the way a daemon would (or deliberately wrong) and sends raw
 * envelope bytes to a daemon's listen endpoint over CURVE, printing the
 * reply: "receipt", "nack REASON" or "timeout".  It is what lets the tests
 * resend a duplicate, sign as the wrong organisation, or knock with a
 * transport key the book does not list, against a real cairnd.
 *
 *   peertool seal -k SECRET -b BOOK -F FEDPUB -f ORG/FN -t ORG/FN
 *       [-e TTL_MS] [-s SIGNER_SECRET] -o OUT
 *   peertool send -k SECRET -b BOOK -F FEDPUB -p PEER_ORG [-w MS] [-d] FILE
 *       (-d: print "dropped" when the daemon closes the connection before
 *       it answers, instead of waiting for the timeout)
 *   peertool knock -p ENDPOINT -P SERVER_CURVE_ORG -b BOOK -F FEDPUB FILE
 *       (a fresh CURVE key that no book lists)
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "keys/book.h"
#include "keys/keyfile.h"
#include "proto/envelope.h"
#include "proto/reply.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct cairn_book *
book_open(const char *book, const char *fedpub)
{
	struct cairn_pubfile *fed;
	struct cairn_book *b;
	int	rc;

	if ((rc = cairn_keyfile_public_load(&fed, fedpub)) != 0)
		errx(1, "%s: %s", fedpub, cairn_strerror(rc));
	if ((rc = cairn_book_load(&b, book, fed->sign_keys[0].pk, 0,
	    now_ms())) != 0)
		errx(1, "%s: %s", book, cairn_strerror(rc));
	free(fed);
	return b;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((buf = malloc(n ? (size_t)n : 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		err(1, "%s", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
do_seal(int argc, char **argv)
{
	struct cairn_secret *sec, *signsec = NULL;
	struct cairn_book *b;
	struct cairn_header h;
	struct cairn_payload *p;
	struct cairn_signer signer;
	const struct cairn_pubkey *rkey;
	const char *key = NULL, *book = NULL, *fed = NULL, *from = NULL;
	const char *to = NULL, *out = NULL, *signkey = NULL;
	int64_t	 ttl = 3600000, now = now_ms();
	uint8_t	*buf;
	size_t	 len;
	char	 date[11];
	time_t	 t = time(NULL);
	FILE	*f;
	int	 ch, rc;

	while ((ch = getopt(argc, argv, "k:b:F:f:t:e:s:o:")) != -1) {
		switch (ch) {
		case 'k': key = optarg; break;
		case 'b': book = optarg; break;
		case 'F': fed = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'e': ttl = strtoll(optarg, NULL, 10); break;
		case 's': signkey = optarg; break;
		case 'o': out = optarg; break;
		default: return 2;
		}
	}
	if (!key || !book || !fed || !from || !to || !out)
		errx(2, "seal: missing option");
	b = book_open(book, fed);
	if ((rc = cairn_keyfile_secret_load(&sec, key)) != 0)
		errx(1, "%s: %s", key, cairn_strerror(rc));
	memset(&h, 0, sizeof(h));
	h.kind = CAIRN_KIND_REQUEST;
	if (cairn_valid_address(from, h.from_org, h.from_function) != 0 ||
	    cairn_valid_address(to, h.to_org, h.to_function) != 0)
		errx(2, "seal: bad address");
	h.created_ms = now;
	h.expires_ms = now + ttl;
	cairn_envelope_new_id(h.msg_id);
	memcpy(h.conversation_id, h.msg_id, CAIRN_MSG_ID_BYTES);
	p = cairn_payload_new(CAIRN_KIND_REQUEST);
	p->u.request.subject = strdup("test-pseudonym-1");
	p->u.request.subject_is_pseudonym = true;
	p->u.request.consent_by = CAIRN_CONSENT_GUARDIAN;
	strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&t));
	memcpy(p->u.request.consent_date, date, sizeof(date));
	p->u.request.question = strdup("peertool test question");
	if ((rc = cairn_book_box_key(b, h.to_org, now, &rkey)) != 0)
		errx(1, "no key for %s: %s", h.to_org, cairn_strerror(rc));
	if (signkey != NULL) {
		if ((rc = cairn_keyfile_secret_load(&signsec, signkey)) != 0)
			errx(1, "%s: %s", signkey, cairn_strerror(rc));
		rc = cairn_keyfile_signer(signsec, now, &signer);
	} else
		rc = cairn_keyfile_signer(sec, now, &signer);
	if (rc != 0)
		errx(1, "signer: %s", cairn_strerror(rc));
	/* ttl 0: already expired when it arrives (but made with a valid key) */
	if (ttl <= 0) {
		h.created_ms = now - 2;
		h.expires_ms = now - 1;
	}
	if ((rc = cairn_envelope_seal(&h, p, rkey, &signer, &buf, &len)) != 0)
		errx(1, "seal: %s", cairn_strerror(rc));
	if ((f = fopen(out, "wb")) == NULL || fwrite(buf, 1, len, f) != len ||
	    fclose(f) != 0)
		err(1, "%s", out);
	for (size_t i = 0; i < CAIRN_MSG_ID_BYTES; i++)
		printf("%02x", h.msg_id[i]);
	printf("\n");
	free(buf);
	cairn_payload_free(p);
	cairn_keyfile_secret_free(sec);
	cairn_keyfile_secret_free(signsec);
	cairn_book_free(b);
	return 0;
}

static int
exchange(const uint8_t *cpk, const uint8_t *csk, const uint8_t *spk,
    const char *endpoint, const uint8_t *buf, size_t len, int wait_ms,
    const struct cairn_book *b, const char *peer, int dropped)
{
	void	*ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
	void	*mon = NULL;
	zmq_pollitem_t it[2];
	zmq_msg_t ev;
	struct cairn_reply_msg *m;
	struct cairn_reply r;
	const struct cairn_org *o;
	const struct cairn_pubkey *k;
	uint8_t	 rep[4096];
	int	 zero = 0, n, rc;

	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, spk, 32);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, cpk, 32);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, csk, 32);
	if (dropped && (zmq_socket_monitor(s, "inproc://peertool-mon",
	    ZMQ_EVENT_DISCONNECTED) != 0 ||
	    (mon = zmq_socket(ctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(mon, "inproc://peertool-mon") != 0))
		errx(1, "monitor: %s", zmq_strerror(errno));
	if (zmq_connect(s, endpoint) != 0)
		errx(1, "connect %s: %s", endpoint, zmq_strerror(errno));
	zmq_send(s, buf, len, 0);
	it[0] = (zmq_pollitem_t){ .socket = s, .events = ZMQ_POLLIN };
	it[1] = (zmq_pollitem_t){ .socket = mon, .events = ZMQ_POLLIN };
	if (zmq_poll(it, mon != NULL ? 2 : 1, wait_ms) <= 0) {
		printf("timeout\n");
		rc = 3;
		goto out;
	}
	if (!(it[0].revents & ZMQ_POLLIN)) {
		/* the only event asked for: the daemon closed the connection */
		zmq_msg_init(&ev);
		(void)zmq_msg_recv(&ev, mon, 0);
		zmq_msg_close(&ev);
		printf("dropped\n");
		rc = 4;
		goto out;
	}
	n = zmq_recv(s, rep, sizeof(rep), 0);
	if (n < 0 || (size_t)n > sizeof(rep))
		errx(1, "recv");
	if ((rc = cairn_reply_parse(&m, rep, (size_t)n)) != 0 ||
	    (rc = cairn_book_sign_key(b, cairn_reply_signer_key_id(m), &o,
	    &k)) != 0 || (rc = cairn_reply_verify(m, k, peer, &r)) != 0)
		errx(1, "bad reply: %s", cairn_strerror(rc));
	cairn_reply_free(m);
	if (r.type == CAIRN_REPLY_RECEIPT)
		printf("receipt %lld\n", (long long)r.time_ms);
	else
		printf("nack %s\n", cairn_nack_reason_name(r.reason));
	rc = 0;
out:
	if (mon != NULL) {
		zmq_socket_monitor(s, NULL, 0);
		zmq_close(mon);
	}
	zmq_close(s);
	zmq_ctx_term(ctx);
	return rc;
}

static int
do_send(int argc, char **argv, int knock)
{
	struct cairn_secret *sec;
	struct cairn_book *b;
	const struct cairn_org *o;
	const char *key = NULL, *book = NULL, *fed = NULL, *peer = NULL;
	uint8_t	 cpk[32], csk[32], *buf;
	size_t	 len;
	int	 ch, rc, wait_ms = 3000, dropped = 0;

	while ((ch = getopt(argc, argv, "k:b:F:p:w:d")) != -1) {
		switch (ch) {
		case 'k': key = optarg; break;
		case 'b': book = optarg; break;
		case 'F': fed = optarg; break;
		case 'p': peer = optarg; break;
		case 'w': wait_ms = atoi(optarg); break;
		case 'd': dropped = 1; break;
		default: return 2;
		}
	}
	if ((!knock && !key) || !book || !fed || !peer || optind + 1 != argc)
		errx(2, "send: missing option");
	b = book_open(book, fed);
	if ((o = cairn_book_org(b, peer)) == NULL)
		errx(1, "%s not in book", peer);
	if (knock) {
		crypto_box_keypair(cpk, csk);
	} else {
		if ((rc = cairn_keyfile_secret_load(&sec, key)) != 0)
			errx(1, "%s: %s", key, cairn_strerror(rc));
		if (cairn_keyfile_curve_secret(sec, cpk, csk) != 0)
			errx(1, "no curve key");
		cairn_keyfile_secret_free(sec);
	}
	buf = slurp(argv[optind], &len);
	rc = exchange(cpk, csk, o->curve_pk, o->endpoint, buf, len, wait_ms,
	    b, peer, dropped);
	sodium_memzero(csk, sizeof(csk));
	free(buf);
	cairn_book_free(b);
	return rc;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		errx(1, "sodium_init");
	if (argc < 2)
		errx(2, "usage: peertool seal|send|knock ...");
	optind = 2;
	if (strcmp(argv[1], "seal") == 0)
		return do_seal(argc, argv);
	if (strcmp(argv[1], "send") == 0)
		return do_send(argc, argv, 0);
	if (strcmp(argv[1], "knock") == 0)
		return do_send(argc, argv, 1);
	errx(2, "unknown command %s", argv[1]);
}
