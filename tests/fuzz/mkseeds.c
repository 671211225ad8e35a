/* SPDX-License-Identifier: MIT */
/*
 * mkseeds: writes the seed corpus of the fuzz harnesses, one directory per
 * harness under DIR, from the fixture keys in fuzz.h and the real encoders.
 * libsodium's random source is replaced by a fixed stream, so every run
 * writes the same bytes and the committed corpus stays unchanged.  Each
 * seed is checked to open the way its harness expects, so that a change
 * in a codec that the harness mirrors (envelope sealing, reply signing)
 * fails here instead of quietly leaving the harness shallow.
 *
 * usage: mkseeds DIR
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "keys/book.h"
#include "keys/keyfile.h"
#include "proto/audit.h"
#include "proto/control.h"
#include "tests/fuzz/fuzz.h"

static const char *outdir;

/* ---- a fixed random stream ----------------------------------------------- */

static uint64_t rng_ctr;

static const char *
rng_name(void)
{
	return "cairn-fuzz-fixed";
}

static void
rng_buf(void *buf, size_t n)
{
	uint8_t	key[crypto_stream_chacha20_KEYBYTES] = "cairn fuzz seeds";
	uint8_t	nonce[crypto_stream_chacha20_NONCEBYTES] = { 0 };

	memcpy(nonce, &rng_ctr, sizeof(rng_ctr));
	rng_ctr++;
	crypto_stream_chacha20(buf, n, nonce, key);
}

static uint32_t
rng_random(void)
{
	uint32_t v;

	rng_buf(&v, sizeof(v));
	return v;
}

static void
rng_stir(void)
{
}

static int
rng_close(void)
{
	return 0;
}

static struct randombytes_implementation rng = {
	.implementation_name = rng_name,
	.random = rng_random,
	.stir = rng_stir,
	.uniform = NULL,
	.buf = rng_buf,
	.close = rng_close,
};

/* ---- output -------------------------------------------------------------- */

static void
put_seed(const char *harness, const char *name, const uint8_t *pre,
    size_t prelen, const uint8_t *buf, size_t len)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", outdir, harness);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		err(1, "%s", path);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, harness, name);
	if ((f = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	if ((prelen && fwrite(pre, 1, prelen, f) != prelen) ||
	    (len && fwrite(buf, 1, len, f) != len) || fclose(f) != 0)
		err(1, "%s", path);
}

static void
check(int rc, const char *what)
{
	if (rc != 0)
		errx(1, "%s: %s (%d)", what, cairn_strerror(rc), rc);
}

/* ---- payloads and envelopes ---------------------------------------------- */

static struct cairn_payload *
make_payload(enum cairn_kind kind)
{
	struct cairn_payload *p;

	if ((p = cairn_payload_new(kind)) == NULL)
		err(1, "payload");
	switch (kind) {
	case CAIRN_KIND_REQUEST:
		p->u.request.subject = strdup("19121212-1212");
		p->u.request.age_band = CAIRN_AGE_13_15;
		p->u.request.consent_by = CAIRN_CONSENT_BOTH;
		strcpy(p->u.request.consent_date, "2026-11-02");
		p->u.request.consent_scope = strdup("konsultation UPH");
		p->u.request.urgency = CAIRN_URGENCY_SOON;
		p->u.request.question = strdup("Eleven mår dåligt sedan i "
		    "höstas.\nHur går vi vidare?");
		p->u.request.wanted_channel = CAIRN_CHANNEL_VIDEO;
		check(cairn_payload_attach(p, "plan.txt", "text/plain",
		    (const uint8_t *)"elevhälsoplan", 14), "attach");
		break;
	case CAIRN_KIND_GUARANTEE:
		memset(p->u.guarantee.request_id, 7, CAIRN_MSG_ID_BYTES);
		strcpy(p->u.guarantee.contact_by, "2026-11-25");
		p->u.guarantee.channel = CAIRN_CHANNEL_PHONE;
		strcpy(p->u.guarantee.responsible_org, FX_RCPT_ORG);
		strcpy(p->u.guarantee.responsible_function, "konsultation");
		p->u.guarantee.note = strdup("Vi ringer vårdnadshavare.");
		break;
	case CAIRN_KIND_RESPONSE:
		memset(p->u.response.request_id, 7, CAIRN_MSG_ID_BYTES);
		p->u.response.advice = strdup("Boka samtal med kurator.");
		p->u.response.level = CAIRN_LEVEL_FIRST_LINE;
		p->u.response.has_meeting = true;
		p->u.response.meeting_start_ms = FX_NOW + 3 * FX_DAY;
		p->u.response.meeting_minutes = 45;
		p->u.response.meeting_join_ref = strdup("room-4711");
		check(cairn_payload_attach(p, "notes.txt", "",
		    (const uint8_t *)"x", 1), "attach");
		break;
	case CAIRN_KIND_WITHDRAWAL:
		memset(p->u.withdrawal.request_id, 7, CAIRN_MSG_ID_BYTES);
		p->u.withdrawal.reason = strdup("Samtycket återkallat.");
		break;
	default:
		abort();
	}
	return p;
}

static void
seeds_envelope_payload(void)
{
	static const char *names[] = { NULL, "request", "guarantee",
	    "response", "withdrawal" };
	struct cairn_header	 h;
	struct cairn_payload	*p;
	const uint8_t		*hb;
	uint8_t			*env, *pt, *env2, pre[3];
	size_t			 envlen, ptlen, hblen, env2len;
	char			 name[64];
	int			 k;

	for (k = CAIRN_KIND_REQUEST; k <= CAIRN_KIND_MAX; k++) {
		p = make_payload(k);
		check(cairn_payload_encode(p, FX_NOW, &pt, &ptlen), "encode");
		put_seed("payload", names[k], NULL, 0, pt, ptlen);

		memset(&h, 0, sizeof(h));
		h.kind = k;
		strcpy(h.from_org, FX_SENDER_ORG);
		strcpy(h.from_function, "skolskoterska");
		strcpy(h.to_org, FX_RCPT_ORG);
		strcpy(h.to_function, "konsultation");
		h.created_ms = FX_NOW - 60000;
		h.expires_ms = FX_NOW + 14 * FX_DAY;
		cairn_envelope_new_id(h.msg_id);
		cairn_envelope_new_id(h.conversation_id);
		if (k != CAIRN_KIND_REQUEST) {
			h.has_reply_to = true;
			memset(h.in_reply_to, 7, CAIRN_MSG_ID_BYTES);
		}
		check(cairn_envelope_seal(&h, p, &fx.rcpt_box,
		    &fx.sender_signer, &env, &envlen), "seal");
		check(fx_envelope_open(env, envlen), "open sealed envelope");
		snprintf(name, sizeof(name), "sealed-%s", names[k]);
		put_seed("envelope", name, (const uint8_t *)"\0", 1, env,
		    envlen);

		/* The same header and payload for the re-sealing mode. */
		if (fx_find_bytes(env, envlen, 1, &hb, &hblen) != 0 ||
		    hblen > 0xffff)
			errx(1, "envelope without a header");
		check(fx_envelope_build(hb, hblen, pt, ptlen, &env2,
		    &env2len) ? -ENOMEM : 0, "build");
		check(fx_envelope_open(env2, env2len),
		    "fuzz.h fx_envelope_build no longer matches envelope.c");
		pre[0] = 1;
		pre[1] = hblen & 0xff;
		pre[2] = hblen >> 8;
		snprintf(name, sizeof(name), "parts-%s", names[k]);
		{
			uint8_t *all = malloc(hblen + ptlen);

			if (all == NULL)
				err(1, "malloc");
			memcpy(all, hb, hblen);
			memcpy(all + hblen, pt, ptlen);
			put_seed("envelope", name, pre, 3, all, hblen + ptlen);
			free(all);
		}
		free(env2);
		free(env);
		sodium_memzero(pt, ptlen);
		free(pt);
		cairn_payload_free(p);
	}
}

/* ---- receipts and nacks -------------------------------------------------- */

/*
 * Members of batched receipts as a peer sends them: the leaf and its path
 * lie outside the signature, which is what mutations there try.
 */
static void
seeds_reply_batch(void)
{
	static const size_t sizes[] = { 2, 3, 9 };
	struct cairn_reply_leaf	 leaves[9];
	struct cairn_reply_msg	*m;
	struct cairn_reply	 out;
	uint8_t			*bufs[9];
	size_t			 lens[9], k, i;
	char			 name[64];

	for (i = 0; i < 9; i++) {
		memset(leaves[i].msg_id, (int)(0x30 + i), CAIRN_MSG_ID_BYTES);
		memset(leaves[i].envelope_hash, (int)(0x60 + i),
		    CAIRN_HASH_BYTES);
	}
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		check(cairn_reply_sign_batch(leaves, sizes[k], FX_NOW,
		    FX_RCPT_ORG, &fx.rcpt_signer, bufs, lens), "batch sign");
		for (i = 0; i < sizes[k]; i++) {
			check(cairn_reply_parse(&m, bufs[i], lens[i]),
			    "batch parse");
			check(cairn_reply_verify(m, &fx.rcpt_sign, FX_RCPT_ORG,
			    &out), "batch verify");
			cairn_reply_free(m);
			/* the first and the last of each batch */
			if (i == 0 || i == sizes[k] - 1) {
				snprintf(name, sizeof(name), "batch-%zu-%zu",
				    sizes[k], i);
				put_seed("reply", name, (const uint8_t *)"\0",
				    1, bufs[i], lens[i]);
			}
			free(bufs[i]);
		}
	}
}

static void
seeds_reply(void)
{
	struct cairn_reply	 r, out;
	struct cairn_reply_msg	*m;
	const uint8_t		*body;
	uint8_t			*buf, *buf2, pre[2];
	size_t			 len, bodylen, len2;
	int			 i;

	for (i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		r.type = i == 0 ? CAIRN_REPLY_RECEIPT : CAIRN_REPLY_NACK;
		r.reason = i == 0 ? CAIRN_NACK_NONE : CAIRN_NACK_EXPIRED;
		memset(r.msg_id, 0x11, sizeof(r.msg_id));
		memset(r.envelope_hash, 0x22, sizeof(r.envelope_hash));
		r.time_ms = FX_NOW;
		strcpy(r.org, FX_RCPT_ORG);
		check(cairn_reply_sign(&r, &fx.rcpt_signer, &buf, &len),
		    "reply sign");
		check(cairn_reply_parse(&m, buf, len), "reply parse");
		check(cairn_reply_verify(m, &fx.rcpt_sign, FX_RCPT_ORG, &out),
		    "reply verify");
		cairn_reply_free(m);
		put_seed("reply", i == 0 ? "receipt" : "nack",
		    (const uint8_t *)"\0", 1, buf, len);

		if (fx_find_bytes(buf, len, 2, &body, &bodylen) != 0)
			errx(1, "reply without a body");
		check(fx_reply_build(r.type, body, bodylen, &buf2, &len2) ?
		    -ENOMEM : 0, "build");
		check(cairn_reply_parse(&m, buf2, len2), "reply parse");
		check(cairn_reply_verify(m, &fx.rcpt_sign, FX_RCPT_ORG, &out),
		    "fuzz.h fx_reply_build no longer matches reply.c");
		cairn_reply_free(m);
		pre[0] = 1;
		pre[1] = (uint8_t)r.type;
		put_seed("reply", i == 0 ? "parts-receipt" : "parts-nack",
		    pre, 2, body, bodylen);
		free(buf2);
		free(buf);
	}
	seeds_reply_batch();
}

/* ---- address book -------------------------------------------------------- */

static void
book_key(struct cairn_pubkey *k, const char *label, int box)
{
	uint8_t	seed[32], sk[64];

	fx_seed(seed, label);
	if (box)
		crypto_box_seed_keypair(k->pk, sk, seed);
	else
		crypto_sign_seed_keypair(k->pk, sk, seed);
	cairn_sig_keyid(k->key_id, k->pk);
	k->valid_from_ms = FX_NOW - 30 * FX_DAY;
	k->valid_until_ms = FX_NOW + 365 * FX_DAY;
	sodium_memzero(sk, sizeof(sk));
}

static void
seeds_book(void)
{
	struct cairn_function	 fa[2], fb[1];
	struct cairn_org	 orgs[2];
	struct cairn_bookdata	 d;
	struct cairn_book	*b;
	uint8_t			 digest[CAIRN_DIGEST_BYTES];
	uint8_t			 sig[CAIRN_SIG_BYTES];
	uint8_t			*ab, *sab;
	size_t			 ablen, sablen;

	memset(orgs, 0, sizeof(orgs));
	memset(fa, 0, sizeof(fa));
	memset(fb, 0, sizeof(fb));
	strcpy(orgs[0].id, FX_SENDER_ORG);
	strcpy(orgs[0].name, "Lerums kommun, elevhälsa");
	strcpy(orgs[0].orgnr, "2120001488");
	strcpy(orgs[0].endpoint, "tcp://127.0.0.1:7441");
	orgs[0].sign_keys[0] = fx.sender_sign;
	orgs[0].nsign_keys = 1;
	book_key(&orgs[0].box_keys[0], "book lerum box", 1);
	orgs[0].nbox_keys = 1;
	fx_seed(orgs[0].curve_pk, "book lerum curve");
	strcpy(fa[0].name, "skolskoterska");
	fa[0].accepts = CAIRN_KIND_BIT(CAIRN_KIND_GUARANTEE) |
	    CAIRN_KIND_BIT(CAIRN_KIND_RESPONSE);
	strcpy(fa[1].name, "kurator");
	fa[1].accepts = CAIRN_KIND_BIT(CAIRN_KIND_REQUEST);
	fa[1].guarantee_days = 3;
	orgs[0].functions = fa;
	orgs[0].nfunctions = 2;

	strcpy(orgs[1].id, FX_RCPT_ORG);
	strcpy(orgs[1].name, "Alingsås UPH");
	strcpy(orgs[1].endpoint, "tcp://[::1]:7442");
	orgs[1].sign_keys[0] = fx.rcpt_sign;
	book_key(&orgs[1].sign_keys[1], "book alingsas sign 2", 0);
	orgs[1].nsign_keys = 2;
	orgs[1].box_keys[0] = fx.rcpt_box;
	orgs[1].nbox_keys = 1;
	fx_seed(orgs[1].curve_pk, "book alingsas curve");
	strcpy(fb[0].name, "konsultation");
	fb[0].accepts = CAIRN_KIND_BIT(CAIRN_KIND_REQUEST) |
	    CAIRN_KIND_BIT(CAIRN_KIND_WITHDRAWAL);
	fb[0].guarantee_days = 5;
	orgs[1].functions = fb;
	orgs[1].nfunctions = 1;

	memset(&d, 0, sizeof(d));
	d.serial = 7;
	d.issued_ms = FX_NOW - FX_DAY;
	d.expires_ms = FX_NOW + 90 * FX_DAY;
	d.orgs = orgs;
	d.norgs = 2;
	check(cairn_bookwire_encode(&d, &ab, &ablen), "book encode");
	cairn_sig_digest(digest, CAIRN_DOMAIN_BOOK, ab, ablen, NULL, 0);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest), fx.fed_sk);
	check(cairn_bookwire_wrap(ab, ablen, sig, fx.fed_signer.key_id, &sab,
	    &sablen), "book wrap");
	check(cairn_book_parse(&b, sab, sablen, fx.fed_pk, 0, FX_NOW),
	    "book parse");
	cairn_book_free(b);
	put_seed("bookwire", "addressbook", NULL, 0, ab, ablen);
	put_seed("bookwire", "signed", NULL, 0, sab, sablen);
	put_seed("book", "signed", (const uint8_t *)"\0", 1, sab, sablen);
	put_seed("book", "parts", (const uint8_t *)"\1", 1, ab, ablen);
	free(sab);
	free(ab);
}

/* ---- key files ----------------------------------------------------------- */

/*
 * Copies a generated key file into the corpus behind a comment line that
 * marks it as a test key, and checks that it still parses as its kind.
 */
static void
copy_file(const char *path, const char *name, int secret)
{
	static const char mark[] = "# FUZZ-ONLY TEST KEY from "
	    "tests/fuzz/mkseeds.c (fixed seed): never use it\n";
	struct cairn_pubfile	 pub;
	struct cairn_secret	*sec;
	char			 buf[CAIRN_KEYFILE_MAX_BYTES];
	size_t			 n;
	FILE			*f;

	memcpy(buf, mark, sizeof(mark) - 1);
	if ((f = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	n = sizeof(mark) - 1;
	n += fread(buf + n, 1, sizeof(buf) - n, f);
	fclose(f);
	if (secret) {
		check(cairn_keyfile_secret_parse(&sec, buf, n), name);
		cairn_keyfile_secret_free(sec);
	} else
		check(cairn_keyfile_public_parse(&pub, buf, n), name);
	put_seed("keyfile", name, NULL, 0, (const uint8_t *)buf, n);
	sodium_memzero(buf, sizeof(buf));
}

static void
seeds_keyfile(void)
{
	char	 tmpl[] = "/tmp/cairn-mkseeds.XXXXXX", *dir, path[2][512];
	const char *org = FX_SENDER_ORG;

	if ((dir = mkdtemp(tmpl)) == NULL)
		err(1, "mkdtemp");
	check(cairn_keyfile_generate(dir, org, FX_NOW - 30 * FX_DAY,
	    365 * FX_DAY), "keyfile generate");
	check(cairn_keyfile_generate_federation(dir, FX_NOW - 30 * FX_DAY,
	    3650 * FX_DAY), "federation generate");
	snprintf(path[0], sizeof(path[0]), "%s/%s.secret", dir, org);
	snprintf(path[1], sizeof(path[1]), "%s/%s.pub", dir, org);
	copy_file(path[0], "org.secret", 1);
	copy_file(path[1], "org.pub", 0);
	check(cairn_keyfile_rotate(path[0], path[1], FX_NOW, FX_NOW,
	    365 * FX_DAY), "keyfile rotate");
	copy_file(path[0], "rotated.secret", 1);
	copy_file(path[1], "rotated.pub", 0);
	unlink(path[0]);
	unlink(path[1]);
	snprintf(path[0], sizeof(path[0]), "%s/federation.secret", dir);
	snprintf(path[1], sizeof(path[1]), "%s/federation.pub", dir);
	copy_file(path[0], "federation.secret", 1);
	copy_file(path[1], "federation.pub", 0);
	unlink(path[0]);
	unlink(path[1]);
	if (rmdir(dir) == -1)
		err(1, "%s", dir);
}

/* ---- control protocol ---------------------------------------------------- */

static void
seeds_control(void)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply	 rep;
	struct cairn_ctl_info	 infos[2];
	struct cairn_payload	*p;
	uint8_t			*pt, *buf;
	size_t			 ptlen, len;

	p = make_payload(CAIRN_KIND_WITHDRAWAL);
	check(cairn_payload_encode(p, FX_NOW, &pt, &ptlen), "encode");
	cairn_payload_free(p);

	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_SUBMIT;
	strcpy(req.from_function, "skolskoterska");
	strcpy(req.to_org, FX_RCPT_ORG);
	strcpy(req.to_function, "konsultation");
	req.payload = pt;
	req.payload_len = ptlen;
	req.has_reply_to = true;
	memset(req.in_reply_to, 7, sizeof(req.in_reply_to));
	req.ttl_s = 86400;
	check(cairn_ctl_request_encode(&req, &buf, &len), "submit");
	put_seed("control", "req-submit", NULL, 0, buf, len);
	free(buf);

	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_SHOW;
	memset(req.msg_id, 0x33, sizeof(req.msg_id));
	check(cairn_ctl_request_encode(&req, &buf, &len), "show");
	put_seed("control", "req-show", NULL, 0, buf, len);
	free(buf);

	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_INBOX;
	strcpy(req.function, "konsultation");
	req.limit = 50;
	check(cairn_ctl_request_encode(&req, &buf, &len), "inbox");
	put_seed("control", "req-inbox", NULL, 0, buf, len);
	free(buf);

	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_PING;
	check(cairn_ctl_request_encode(&req, &buf, &len), "ping");
	put_seed("control", "req-ping", NULL, 0, buf, len);
	free(buf);

	memset(&rep, 0, sizeof(rep));
	memset(rep.msg_id, 0x44, sizeof(rep.msg_id));
	check(cairn_ctl_reply_encode(&rep, &buf, &len), "reply submit");
	put_seed("control", "rep-submitted", NULL, 0, buf, len);
	free(buf);

	memset(&rep, 0, sizeof(rep));
	rep.code = CAIRN_ENOTFOUND;
	strcpy(rep.error, "no such function at the recipient");
	check(cairn_ctl_reply_encode(&rep, &buf, &len), "reply refused");
	put_seed("control", "rep-refused", NULL, 0, buf, len);
	free(buf);

	memset(infos, 0, sizeof(infos));
	memset(infos[0].msg_id, 0x55, CAIRN_MSG_ID_BYTES);
	infos[0].outgoing = true;
	infos[0].kind = CAIRN_KIND_REQUEST;
	strcpy(infos[0].from_org, FX_SENDER_ORG);
	strcpy(infos[0].from_function, "skolskoterska");
	strcpy(infos[0].to_org, FX_RCPT_ORG);
	strcpy(infos[0].to_function, "konsultation");
	strcpy(infos[0].state, "DELIVERED");
	infos[0].attempts = 2;
	infos[0].created_ms = FX_NOW - 1000;
	infos[0].expires_ms = FX_NOW + 14 * FX_DAY;
	infos[0].receipt_ms = FX_NOW;
	memset(infos[0].envelope_hash, 0x66, CAIRN_HASH_BYTES);
	memset(infos[0].conversation_id, 0x77, CAIRN_MSG_ID_BYTES);
	infos[1] = infos[0];
	infos[1].outgoing = false;
	infos[1].kind = CAIRN_KIND_RESPONSE;
	strcpy(infos[1].state, "QUEUED");
	infos[1].last_error = CAIRN_EDECRYPT;
	strcpy(infos[1].last_error_text, "cannot decrypt");
	infos[1].has_reply_to = true;
	memset(infos[1].in_reply_to, 0x55, CAIRN_MSG_ID_BYTES);
	memset(&rep, 0, sizeof(rep));
	rep.infos = infos;
	rep.ninfos = 2;
	check(cairn_ctl_reply_encode(&rep, &buf, &len), "reply list");
	put_seed("control", "rep-list", NULL, 0, buf, len);
	free(buf);

	memset(&rep, 0, sizeof(rep));
	rep.infos = infos;
	rep.ninfos = 1;
	rep.payload = pt;
	rep.payload_len = ptlen;
	check(cairn_ctl_reply_encode(&rep, &buf, &len), "reply show");
	put_seed("control", "rep-show", NULL, 0, buf, len);
	free(buf);

	sodium_memzero(pt, ptlen);
	free(pt);
}

/* ---- audit records ------------------------------------------------------- */

/*
 * Writes a sealed record for both modes of fuzz_audit: as stored, and
 * without its hash field (the last 34 bytes: tag, length, 32 bytes),
 * checking that the harness's way of appending the hash opens.
 */
static void
put_audit(struct cairn_audit_record *rec, const char *name)
{
	struct cairn_audit_record back;
	struct fx_buf	 b = { 0 };
	uint8_t		 hash[CAIRN_HASH_BYTES];
	uint8_t		*buf;
	size_t		 len;
	char		 part[64];

	check(cairn_audit_seal(rec, &buf, &len), "audit seal");
	check(cairn_audit_open(&back, buf, len), "audit open");
	put_seed("audit", name, (const uint8_t *)"\0", 1, buf, len);
	if (len < 34 || buf[len - 34] != (11 << 3 | 2) || buf[len - 33] != 32)
		errx(1, "audit record does not end in its hash");
	cairn_sig_digest(hash, CAIRN_DOMAIN_AUDIT, rec->prev_hash,
	    CAIRN_HASH_BYTES, buf, len - 34);
	fx_put(&b, buf, len - 34);
	fx_put_bytes(&b, 11, hash, sizeof(hash));
	if (b.oom)
		errx(1, "out of memory");
	check(cairn_audit_open(&back, b.p, b.len),
	    "fuzz_audit's hash no longer matches audit.c");
	snprintf(part, sizeof(part), "parts-%s", name);
	put_seed("audit", part, (const uint8_t *)"\1", 1, buf, len - 34);
	free(b.p);
	free(buf);
}

static void
seeds_audit(void)
{
	struct cairn_audit_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.seq = 1;
	rec.time_ms = FX_NOW;
	rec.event = CAIRN_AUDIT_STARTED;
	rec.uid = -1;
	put_audit(&rec, "started");

	memcpy(rec.prev_hash, rec.hash, CAIRN_HASH_BYTES);
	rec.seq = 2;
	rec.event = CAIRN_AUDIT_REFUSED;
	rec.has_msg_id = true;
	memset(rec.msg_id, 0x12, CAIRN_MSG_ID_BYTES);
	strcpy(rec.local, FX_RCPT_ORG "/konsultation");
	strcpy(rec.remote, FX_SENDER_ORG "/skolskoterska");
	rec.has_envelope_hash = true;
	memset(rec.envelope_hash, 0x34, CAIRN_HASH_BYTES);
	rec.code = CAIRN_EBADSIG;
	put_audit(&rec, "refused");

	memcpy(rec.prev_hash, rec.hash, CAIRN_HASH_BYTES);
	rec.seq = 3;
	rec.event = CAIRN_AUDIT_READ;
	rec.has_envelope_hash = false;
	rec.code = 0;
	strcpy(rec.remote, "");
	rec.uid = 1000;
	put_audit(&rec, "read");
}

/* ---- configuration ------------------------------------------------------- */

static void
check_config(const char *name)
{
	struct config	*conf;
	char		 path[4096], errbuf[CONFIG_ERR_MAX];

	snprintf(path, sizeof(path), "%s/config/%s", outdir, name);
	if (config_load(&conf, path, errbuf, sizeof(errbuf)) != 0)
		errx(1, "config seed does not load: %s", errbuf);
	config_free(conf);
}

static void
seeds_config(void)
{
	static const char full[] =
	    "; cairnd.conf for the fuzz corpus\n"
	    "[daemon]\n"
	    "org = lerum.elevhalsa\n"
	    "listen = tcp://127.0.0.1:7441\n"
	    "state_dir = state/lerum.elevhalsa\n"
	    "socket = /run/cairn/lerum.elevhalsa.sock\n"
	    "key = keys/lerum.elevhalsa.secret\n"
	    "book = book.cairnbook\n"
	    "federation = keys/federation.pub\n"
	    "map_size = 512M\n"
	    "message_ttl = 7d\n"
	    "retry_min = 250ms\n"
	    "retry_max = 2m\n"
	    "window = 64\n"
	    "max_message = 8M\n"
	    "checkpoint_records = 500\n"
	    "checkpoint_interval = 1h\n"
	    "\n"
	    "[access]\n"
	    "skolskoterska = group:elevhalsa, user:anna\n"
	    "auditor = user:revisor\n"
	    "admin = group:cairn-admin\n";
	static const char minimal[] =
	    "[daemon]\n"
	    "org = alingsas.uph\n"
	    "listen = tcp://[::1]:7442\n"
	    "state_dir = /var/lib/cairn\n"
	    "socket = /run/cairn/cairnd.sock\n"
	    "key = /etc/cairn/alingsas.uph.secret\n"
	    "book = /etc/cairn/book.cairnbook\n"
	    "federation = /etc/cairn/federation.pub\n";

	put_seed("config", "full", NULL, 0, (const uint8_t *)full,
	    sizeof(full) - 1);
	put_seed("config", "minimal", NULL, 0, (const uint8_t *)minimal,
	    sizeof(minimal) - 1);
	check_config("full");
	check_config("minimal");
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) == -1 && errno != EEXIST)
		err(1, "%s", outdir);
	if (randombytes_set_implementation(&rng) != 0 || fx_init() != 0)
		errx(1, "libsodium");
	seeds_envelope_payload();
	seeds_reply();
	seeds_book();
	seeds_keyfile();
	seeds_control();
	seeds_audit();
	seeds_config();
	return 0;
}
