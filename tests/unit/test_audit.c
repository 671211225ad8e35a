/* SPDX-License-Identifier: MIT */
/*
 * Audit trail tests: signed checkpoints (round trip, every bit flip,
 * truncation), the chain verifier against every kind of tampering (a
 * changed field, a deleted, reordered or repeated record, a tail cut
 * after a checkpoint, a forged or misattributed checkpoint signature, a
 * head that disagrees), the export line formats (round trip in JSON lines
 * and CSV, refusals with their exact codes, an edited export that no
 * longer verifies), reconciliation of two organisations' exports (all
 * matched, a hidden deletion, a hash mismatch, forged receipts), and the
 * daemon's checkpoint schedule against a real store.
 *
 * Keys are real key files generated in a mkdtemp() directory for this
 * test only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon/audit.h"
#include "daemon/store.h"
#include "keys/keyfile.h"
#include "proto/audit.h"
#include "proto/reply.h"

#define NOW		1795000000000LL		/* 2026-11-19 */
#define YEAR		(365 * 86400000LL)
#define ORG_A		"lerum.elevhalsa"
#define ORG_B		"alingsas.uph"
#define ORG_M		"mallory.example"
#define ADDR_A		ORG_A "/skolskoterska"
#define ADDR_B		ORG_B "/konsultation"
#define MAXREC		256
#define MAXCP		32
#define MAXRCPT		16

struct fx {
	char		 dir[64];
	struct cairn_secret *sec[3];	/* A, B, M */
	struct cairn_pubfile pub[3];
};

/* One organisation's trail as it would be exported. */
struct chain {
	char		 org[CAIRN_ORG_ID_MAX + 1];
	struct cairn_audit_record rec[MAXREC];
	size_t		 n;
	struct cairn_audit_checkpoint cp[MAXCP];
	size_t		 ncp;
	struct cairn_audit_receipt rcpt[MAXRCPT];
	size_t		 nrcpt;
};

/* --- helpers --- */

static int
lookup(void *arg, const char *org,
    const uint8_t key_id[static CAIRN_KEY_ID_BYTES], struct cairn_pubkey *key)
{
	struct fx *f = arg;
	size_t	i, k;

	/* mallory (index 2) is not in anyone's book */
	for (i = 0; i < 2; i++) {
		for (k = 0; k < f->pub[i].nsign_keys; k++) {
			if (memcmp(f->pub[i].sign_keys[k].key_id, key_id,
			    CAIRN_KEY_ID_BYTES) != 0)
				continue;
			if (strcmp(f->pub[i].org, org) != 0)
				return CAIRN_ESENDER;
			*key = f->pub[i].sign_keys[k];
			return 0;
		}
	}
	return CAIRN_EUNKNOWNKEY;
}

static int
setup(void **state)
{
	static const char *orgs[3] = { ORG_A, ORG_B, ORG_M };
	struct fx *f;
	char	 path[128];
	int	 i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-audit-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s.secret", f->dir, orgs[i]);
		if (cairn_keyfile_generate(f->dir, orgs[i], NOW - YEAR,
		    2 * YEAR) != 0 ||
		    cairn_keyfile_secret_load(&f->sec[i], path) != 0)
			return -1;
		cairn_keyfile_secret_public(f->sec[i], &f->pub[i]);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	static const char *files[] = { "data.mdb", "lock.mdb",
	    ORG_A ".secret", ORG_A ".pub", ORG_B ".secret", ORG_B ".pub",
	    ORG_M ".secret", ORG_M ".pub" };
	struct fx *f = *state;
	char	 path[128];
	size_t	 i;

	for (i = 0; i < 3; i++)
		cairn_keyfile_secret_free(f->sec[i]);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static const struct cairn_audit_keys *
keys(struct fx *f)
{
	static struct cairn_audit_keys k;

	k.lookup = lookup;
	k.arg = f;
	return &k;
}

static void
make_id(uint8_t id[static CAIRN_MSG_ID_BYTES], unsigned int n)
{
	memset(id, 0x5a, CAIRN_MSG_ID_BYTES);
	id[0] = (uint8_t)(n >> 8);
	id[1] = (uint8_t)n;
}

static void
make_hash(uint8_t h[static CAIRN_HASH_BYTES], unsigned int n)
{
	uint8_t	b[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
	    (uint8_t)(n >> 8), (uint8_t)n };

	cairn_sig_hash(h, b, sizeof(b));
}

/* Seals rec[i] onto rec[i-1] (or the zero hash) again. */
static void
reseal(struct chain *c, size_t i)
{
	uint8_t	*buf;
	size_t	 len;

	if (i == 0)
		memset(c->rec[i].prev_hash, 0, CAIRN_HASH_BYTES);
	else
		memcpy(c->rec[i].prev_hash, c->rec[i - 1].hash,
		    CAIRN_HASH_BYTES);
	assert_int_equal(cairn_audit_seal(&c->rec[i], &buf, &len), 0);
	free(buf);
}

/* What a forger would do after a change: renumber and rehash the rest. */
static void
rechain(struct chain *c, size_t from)
{
	size_t	i;

	for (i = from; i < c->n; i++) {
		c->rec[i].seq = i + 1;
		reseal(c, i);
	}
}

static void
add(struct chain *c, enum cairn_audit_event ev, int msg, const char *local,
    const char *remote, int hash)
{
	struct cairn_audit_record *r;

	assert_true(c->n < MAXREC);
	r = &c->rec[c->n];
	memset(r, 0, sizeof(*r));
	r->seq = c->n + 1;
	r->time_ms = NOW + (int64_t)c->n * 1000;
	r->event = ev;
	if (msg > 0) {
		r->has_msg_id = true;
		make_id(r->msg_id, (unsigned int)msg);
	}
	snprintf(r->local, sizeof(r->local), "%s", local ? local : "");
	snprintf(r->remote, sizeof(r->remote), "%s", remote ? remote : "");
	if (hash > 0) {
		r->has_envelope_hash = true;
		make_hash(r->envelope_hash, (unsigned int)hash);
	}
	r->uid = ev == CAIRN_AUDIT_READ ? 1000 : -1;
	reseal(c, c->n);
	c->n++;
}

static void
checkpoint(struct chain *c, struct cairn_secret *sec)
{
	struct cairn_audit_checkpoint *cp;
	struct cairn_signer s;
	uint8_t	*buf;
	size_t	 len;

	assert_true(c->ncp < MAXCP && c->n > 0);
	cp = &c->cp[c->ncp++];
	memset(cp, 0, sizeof(*cp));
	cp->seq = c->rec[c->n - 1].seq;
	memcpy(cp->head_hash, c->rec[c->n - 1].hash, CAIRN_HASH_BYTES);
	cp->time_ms = c->rec[c->n - 1].time_ms + 1;
	strcpy(cp->org, c->org);
	assert_int_equal(cairn_keyfile_signer(sec, cp->time_ms, &s), 0);
	assert_int_equal(cairn_audit_checkpoint_sign(cp, &s, &buf, &len), 0);
	free(buf);
}

/* A receipt (or nack) signed by the org of sec for message msg. */
static void
receipt(struct chain *c, struct cairn_secret *sec, const char *org,
    enum cairn_reply_type type, int msg, int hash)
{
	struct cairn_audit_receipt *rc;
	struct cairn_reply r;
	struct cairn_signer s;
	uint8_t	*buf;
	size_t	 len;

	assert_true(c->nrcpt < MAXRCPT);
	memset(&r, 0, sizeof(r));
	r.type = type;
	make_id(r.msg_id, (unsigned int)msg);
	make_hash(r.envelope_hash, (unsigned int)hash);
	r.time_ms = NOW + 500;
	snprintf(r.org, sizeof(r.org), "%s", org);
	if (type == CAIRN_REPLY_NACK)
		r.reason = CAIRN_NACK_UNKNOWN_FUNCTION;
	assert_int_equal(cairn_keyfile_signer(sec, r.time_ms, &s), 0);
	assert_int_equal(cairn_reply_sign(&r, &s, &buf, &len), 0);
	rc = &c->rcpt[c->nrcpt++];
	memset(rc, 0, sizeof(*rc));
	make_id(rc->msg_id, (unsigned int)msg);
	memcpy(rc->reply, buf, len);
	rc->len = len;
	free(buf);
}

/* A plain chain of n records with a checkpoint every `every`. */
static void
plain_chain(struct fx *f, struct chain *c, size_t n, size_t every)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	snprintf(c->org, sizeof(c->org), "%s", ORG_A);
	for (i = 0; i < n; i++) {
		add(c, i % 3 == 0 ? CAIRN_AUDIT_SUBMITTED : CAIRN_AUDIT_SENT,
		    (int)(i / 3 + 1), ADDR_A, ADDR_B, (int)(i / 3 + 1));
		if (every > 0 && (i + 1) % every == 0)
			checkpoint(c, f->sec[0]);
	}
}

static int
verify(struct fx *f, const struct chain *c, struct cairn_audit_result *res)
{
	struct cairn_audit_verifier *v;
	size_t	i;
	int	rc;

	assert_int_equal(cairn_audit_verifier_new(&v, keys(f), c->org), 0);
	/* a bad signature is kept as a fault; go on as the CLI does */
	for (i = 0; i < c->ncp; i++)
		if (cairn_audit_verifier_checkpoint(v, &c->cp[i]) != 0)
			continue;
	for (i = 0; i < c->n; i++)
		if (cairn_audit_verifier_record(v, &c->rec[i]) != 0)
			break;
	rc = cairn_audit_verifier_finish(v, res);
	cairn_audit_verifier_free(v);
	return rc;
}

static void
assert_fault(struct fx *f, const struct chain *c, enum cairn_audit_fault fault,
    uint64_t seq)
{
	struct cairn_audit_result res;

	assert_int_equal(verify(f, c, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, fault);
	assert_int_equal(res.bad_seq, seq);
	assert_string_not_equal(cairn_audit_fault_name(fault), "unknown");
}

/* Every item of a chain as export lines, in the order cairn writes them. */
static char *
export_text(const struct chain *c, enum cairn_audit_format fmt)
{
	struct cairn_audit_item it;
	char	*text = NULL, *line;
	size_t	 tlen = 0, len, i;
	FILE	*fp;

	assert_non_null(fp = open_memstream(&text, &tlen));
	if (fmt == CAIRN_AUDIT_CSV)
		fputs(cairn_audit_csv_columns(), fp);
	memset(&it, 0, sizeof(it));
	it.type = CAIRN_AUDIT_ITEM_HEADER;
	it.u.header.version = CAIRN_AUDIT_EXPORT_VERSION;
	snprintf(it.u.header.org, sizeof(it.u.header.org), "%s", c->org);
	it.u.header.created_ms = NOW;
	it.u.header.first_seq = 1;
	it.u.header.last_seq = c->n;
	assert_int_equal(cairn_audit_item_format(&it, fmt, &line, &len), 0);
	fputs(line, fp);
	free(line);
	for (i = 0; i < c->ncp; i++) {
		it.type = CAIRN_AUDIT_ITEM_CHECKPOINT;
		it.u.checkpoint = c->cp[i];
		assert_int_equal(cairn_audit_item_format(&it, fmt, &line,
		    &len), 0);
		fputs(line, fp);
		free(line);
	}
	for (i = 0; i < c->n; i++) {
		it.type = CAIRN_AUDIT_ITEM_RECORD;
		it.u.record = c->rec[i];
		assert_int_equal(cairn_audit_item_format(&it, fmt, &line,
		    &len), 0);
		assert_int_equal(strlen(line), len);
		assert_int_equal(line[len - 1], '\n');
		fputs(line, fp);
		free(line);
	}
	for (i = 0; i < c->nrcpt; i++) {
		it.type = CAIRN_AUDIT_ITEM_RECEIPT;
		it.u.receipt = c->rcpt[i];
		assert_int_equal(cairn_audit_item_format(&it, fmt, &line,
		    &len), 0);
		fputs(line, fp);
		free(line);
	}
	assert_int_equal(fclose(fp), 0);
	return text;
}

/*
 * Parses export text back into a chain (two passes, as `cairn audit
 * verify --export` does: checkpoints, then records) and verifies it.
 * Returns the verifier's result code, or the first parse error.
 */
static int
verify_text(struct fx *f, const char *text, enum cairn_audit_format fmt,
    struct cairn_audit_result *res)
{
	struct cairn_audit_verifier *v;
	struct cairn_audit_item it;
	const char *p, *nl;
	int	 pass, rc = 0, first = 1;

	assert_int_equal(cairn_audit_verifier_new(&v, keys(f), NULL), 0);
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		first = 1;
		for (p = text; *p != '\0' && rc == 0; p = nl + 1) {
			nl = strchr(p, '\n');
			assert_non_null(nl);
			if (first && fmt == CAIRN_AUDIT_CSV) {
				first = 0;
				continue;
			}
			first = 0;
			rc = cairn_audit_item_parse(&it, fmt, p,
			    (size_t)(nl - p + 1));
			if (rc != 0)
				break;
			if (pass == 0 && it.type ==
			    CAIRN_AUDIT_ITEM_CHECKPOINT &&
			    cairn_audit_verifier_checkpoint(v,
			    &it.u.checkpoint) != 0)
				continue;	/* kept as a fault */
			if (pass == 1 && it.type == CAIRN_AUDIT_ITEM_RECORD &&
			    cairn_audit_verifier_record(v, &it.u.record) != 0)
				continue;	/* kept as a fault */
		}
	}
	if (rc == 0)
		rc = cairn_audit_verifier_finish(v, res);
	cairn_audit_verifier_free(v);
	return rc;
}

/* Replaces the first occurrence of from (after line n) with to. */
static char *
edit(const char *text, int line, const char *from, const char *to)
{
	const char *p = text, *hit;
	char	*out;
	size_t	 n;
	int	 i;

	for (i = 0; i < line; i++)
		assert_non_null(p = strchr(p, '\n') + 1);
	assert_non_null(hit = strstr(p, from));
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	assert_non_null(out = malloc(n));
	memcpy(out, text, (size_t)(hit - text));
	strcpy(out + (hit - text), to);
	strcat(out, hit + strlen(from));
	return out;
}

/* Drops line n (0-based). */
static char *
drop_line(const char *text, int line)
{
	const char *p = text, *e;
	char	*out;
	int	 i;

	for (i = 0; i < line; i++)
		assert_non_null(p = strchr(p, '\n') + 1);
	assert_non_null(e = strchr(p, '\n'));
	assert_non_null(out = malloc(strlen(text) + 1));
	memcpy(out, text, (size_t)(p - text));
	strcpy(out + (p - text), e + 1);
	return out;
}

/* --- checkpoints --- */

static void
test_audit_checkpoint_roundtrip(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_checkpoint cp, got;
	struct cairn_signer s;
	uint8_t	*buf;
	size_t	 len;

	memset(&cp, 0, sizeof(cp));
	cp.seq = 42;
	make_hash(cp.head_hash, 42);
	cp.time_ms = NOW;
	strcpy(cp.org, ORG_A);
	assert_int_equal(cairn_keyfile_signer(f->sec[0], NOW, &s), 0);
	assert_int_equal(cairn_audit_checkpoint_sign(&cp, &s, &buf, &len), 0);
	assert_true(len <= CAIRN_AUDIT_CHECKPOINT_MAX_BYTES);
	assert_int_equal(cairn_audit_checkpoint_open(&got, buf, len), 0);
	assert_memory_equal(&got, &cp, sizeof(cp));
	assert_int_equal(cairn_audit_checkpoint_verify(&got,
	    &f->pub[0].sign_keys[0]), 0);
	/* another organisation's key */
	assert_int_equal(cairn_audit_checkpoint_verify(&got,
	    &f->pub[1].sign_keys[0]), CAIRN_EKEYMISMATCH);
	/* a key that was not valid then */
	{
		struct cairn_pubkey k = f->pub[0].sign_keys[0];

		k.valid_until_ms = NOW;
		assert_int_equal(cairn_audit_checkpoint_verify(&got, &k),
		    CAIRN_EKEYEXPIRED);
	}
	/* every signed field matters */
	got.time_ms++;
	assert_int_equal(cairn_audit_checkpoint_verify(&got,
	    &f->pub[0].sign_keys[0]), CAIRN_EBADSIG);
	free(buf);
}

static void
test_audit_checkpoint_every_bit_flip(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_checkpoint cp, got;
	struct cairn_signer s;
	uint8_t	*buf;
	size_t	 len, i;
	int	 bit, rc;

	memset(&cp, 0, sizeof(cp));
	cp.seq = 7;
	make_hash(cp.head_hash, 7);
	cp.time_ms = NOW;
	strcpy(cp.org, ORG_A);
	assert_int_equal(cairn_keyfile_signer(f->sec[0], NOW, &s), 0);
	assert_int_equal(cairn_audit_checkpoint_sign(&cp, &s, &buf, &len), 0);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			rc = cairn_audit_checkpoint_open(&got, buf, len);
			if (rc == 0)
				rc = cairn_audit_checkpoint_verify(&got,
				    &f->pub[0].sign_keys[0]);
			assert_int_not_equal(rc, 0);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (i = 0; i < len; i++)
		assert_int_not_equal(cairn_audit_checkpoint_open(&got, buf, i),
		    0);
	assert_int_equal(cairn_audit_checkpoint_open(&got, buf,
	    CAIRN_AUDIT_CHECKPOINT_MAX_BYTES + 1), CAIRN_ETOOBIG);
	free(buf);
	/* refused before signing */
	cp.seq = 0;
	assert_int_equal(cairn_audit_checkpoint_sign(&cp, &s, &buf, &len),
	    CAIRN_EFIELD);
	cp.seq = 1;
	strcpy(cp.org, "Not An Org");
	assert_int_equal(cairn_audit_checkpoint_sign(&cp, &s, &buf, &len),
	    CAIRN_EFIELD);
}

/* --- the verifier --- */

static void
test_audit_chain_sound(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_result res;
	static struct chain c;

	plain_chain(f, &c, 50, 10);
	add(&c, CAIRN_AUDIT_STOPPED, 0, NULL, NULL, 0);
	add(&c, CAIRN_AUDIT_STARTED, 0, NULL, NULL, 0);
	assert_int_equal(verify(f, &c, &res), 0);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_NONE);
	assert_int_equal(res.records, 52);
	assert_int_equal(res.first_seq, 1);
	assert_int_equal(res.last_seq, 52);
	assert_int_equal(res.checkpoints, 5);
	assert_true(res.has_checkpoint);
	assert_int_equal(res.last_checkpoint.seq, 50);
	assert_int_equal(res.unsigned_records, 2);

	/* an empty chain is sound */
	memset(&c, 0, sizeof(c));
	strcpy(c.org, ORG_A);
	assert_int_equal(verify(f, &c, &res), 0);
	assert_int_equal(res.records, 0);
}

static void
test_audit_changed_field(void **state)
{
	struct fx *f = *state;
	static struct chain c;

	/* changed in place: the record's own hash gives it away */
	plain_chain(f, &c, 30, 10);
	strcpy(c.rec[14].remote, "alingsas.soc/mottagning");
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_HASH, 15);
	plain_chain(f, &c, 30, 10);
	c.rec[14].time_ms += 1;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_HASH, 15);
	plain_chain(f, &c, 30, 10);
	c.rec[14].uid = 0;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_HASH, 15);

	/* resealed: the next record's link gives it away */
	plain_chain(f, &c, 30, 10);
	c.rec[14].envelope_hash[0] ^= 1;
	reseal(&c, 14);
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_LINK, 16);

	/* the whole rest rehashed: the signed checkpoint gives it away */
	plain_chain(f, &c, 30, 10);
	c.rec[14].code = CAIRN_EBADSIG;
	rechain(&c, 14);
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_CHECKPOINT, 20);
}

static void
test_audit_deleted_record(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_result res;
	static struct chain c;

	plain_chain(f, &c, 30, 10);
	memmove(&c.rec[11], &c.rec[12], (c.n - 12) * sizeof(c.rec[0]));
	c.n--;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_SEQ, 12);

	/* deleted and renumbered: the link breaks */
	plain_chain(f, &c, 30, 10);
	memmove(&c.rec[11], &c.rec[12], (c.n - 12) * sizeof(c.rec[0]));
	c.n--;
	for (size_t i = 11; i < c.n; i++)
		c.rec[i].seq--;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_HASH, 12);

	/* deleted, renumbered and rehashed: the checkpoint breaks */
	plain_chain(f, &c, 30, 10);
	memmove(&c.rec[11], &c.rec[12], (c.n - 12) * sizeof(c.rec[0]));
	c.n--;
	rechain(&c, 11);
	assert_int_equal(verify(f, &c, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_CHECKPOINT);
	assert_int_equal(res.bad_seq, 20);
	assert_int_equal(res.last_checkpoint.seq, 10);
	assert_int_equal(res.records, 19);

	/* the first record */
	plain_chain(f, &c, 5, 0);
	memmove(&c.rec[0], &c.rec[1], (c.n - 1) * sizeof(c.rec[0]));
	c.n--;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_SEQ, 1);
}

static void
test_audit_reordered_records(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_record tmp;
	static struct chain c;

	plain_chain(f, &c, 30, 10);
	tmp = c.rec[16];
	c.rec[16] = c.rec[17];
	c.rec[17] = tmp;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_SEQ, 17);

	/* swapped and their seqs swapped back: links break */
	plain_chain(f, &c, 30, 10);
	tmp = c.rec[16];
	c.rec[16] = c.rec[17];
	c.rec[17] = tmp;
	c.rec[16].seq = 17;
	c.rec[17].seq = 18;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_HASH, 17);

	/* a record repeated */
	plain_chain(f, &c, 30, 10);
	c.rec[17] = c.rec[16];
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_SEQ, 18);
}

static void
test_audit_truncated_after_checkpoint(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_result res;
	static struct chain c;

	plain_chain(f, &c, 30, 10);
	c.n = 25;	/* the checkpoint at 30 names records that are gone */
	assert_int_equal(verify(f, &c, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_TRUNCATED);
	assert_int_equal(res.bad_seq, 26);
	assert_int_equal(res.code, CAIRN_ETRUNCATED);
	assert_int_equal(res.records, 25);
	assert_int_equal(res.last_checkpoint.seq, 20);
	assert_int_equal(res.unsigned_records, 5);

	/* every record gone */
	c.n = 0;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_TRUNCATED, 1);

	/* cut exactly at the last checkpoint: only the stored head tells */
	{
		struct cairn_audit_verifier *v;
		size_t	i;

		plain_chain(f, &c, 30, 10);
		add(&c, CAIRN_AUDIT_STOPPED, 0, NULL, NULL, 0);
		assert_int_equal(cairn_audit_verifier_new(&v, keys(f), ORG_A),
		    0);
		for (i = 0; i < c.ncp; i++)
			assert_int_equal(cairn_audit_verifier_checkpoint(v,
			    &c.cp[i]), 0);
		cairn_audit_verifier_head(v, 31, c.rec[30].hash);
		for (i = 0; i < 30; i++)
			assert_int_equal(cairn_audit_verifier_record(v,
			    &c.rec[i]), 0);
		assert_int_equal(cairn_audit_verifier_finish(v, &res),
		    CAIRN_ECORRUPT);
		assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_TRUNCATED);
		assert_int_equal(res.bad_seq, 31);
		cairn_audit_verifier_free(v);
	}
}

static void
test_audit_forged_checkpoint(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_result res;
	struct cairn_signer s;
	static struct chain c;
	uint8_t	*buf;
	size_t	 len;

	/* a flipped signature byte */
	plain_chain(f, &c, 30, 10);
	c.cp[1].signature[5] ^= 0x20;
	assert_int_equal(verify(f, &c, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_SIGNATURE);
	assert_int_equal(res.bad_seq, 20);
	assert_int_equal(res.code, CAIRN_EBADSIG);
	assert_int_equal(res.last_checkpoint.seq, 10);

	/* a head hash moved under a valid signature */
	plain_chain(f, &c, 30, 10);
	c.cp[2].head_hash[0] ^= 1;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_SIGNATURE, 30);

	/* signed by a key nobody lists */
	plain_chain(f, &c, 30, 10);
	assert_int_equal(cairn_keyfile_signer(f->sec[2], NOW, &s), 0);
	assert_int_equal(cairn_audit_checkpoint_sign(&c.cp[0], &s, &buf,
	    &len), 0);
	free(buf);
	assert_int_equal(verify(f, &c, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_SIGNATURE);
	assert_int_equal(res.bad_seq, 10);
	assert_int_equal(res.code, CAIRN_EUNKNOWNKEY);

	/* signed by the other organisation in its own name */
	plain_chain(f, &c, 30, 10);
	strcpy(c.cp[0].org, ORG_B);
	assert_int_equal(cairn_keyfile_signer(f->sec[1], NOW, &s), 0);
	assert_int_equal(cairn_audit_checkpoint_sign(&c.cp[0], &s, &buf,
	    &len), 0);
	free(buf);
	assert_int_equal(verify(f, &c, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_SIGNATURE);
	assert_int_equal(res.code, CAIRN_ESENDER);

	/* in A's name with B's key */
	plain_chain(f, &c, 30, 10);
	assert_int_equal(cairn_audit_checkpoint_sign(&c.cp[0], &s, &buf,
	    &len), 0);
	free(buf);
	assert_int_equal(verify(f, &c, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.code, CAIRN_ESENDER);

	/* the lowest seq wins: a bad record before the bad signature */
	plain_chain(f, &c, 30, 10);
	c.cp[1].signature[0] ^= 1;
	c.rec[4].code = 1;
	assert_fault(f, &c, CAIRN_AUDIT_FAULT_HASH, 5);
}

static void
test_audit_verifier_api(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_verifier *v;
	struct cairn_audit_result res;
	static struct chain c;
	size_t	i;

	assert_int_equal(cairn_audit_verifier_new(&v, keys(f), "Bad Org"),
	    CAIRN_EINVAL);
	plain_chain(f, &c, 30, 10);

	/* checkpoints after records are refused */
	assert_int_equal(cairn_audit_verifier_new(&v, keys(f), ORG_A), 0);
	assert_int_equal(cairn_audit_verifier_record(v, &c.rec[0]), 0);
	assert_int_equal(cairn_audit_verifier_checkpoint(v, &c.cp[0]),
	    CAIRN_ESTATE);
	/* a record that did not decode */
	assert_int_equal(cairn_audit_verifier_bad_record(v, 0,
	    CAIRN_EMALFORMED), CAIRN_ECORRUPT);
	assert_int_equal(cairn_audit_verifier_record(v, &c.rec[1]),
	    CAIRN_ECORRUPT);
	assert_int_equal(cairn_audit_verifier_finish(v, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_RECORD);
	assert_int_equal(res.bad_seq, 2);
	assert_int_equal(res.code, CAIRN_EMALFORMED);
	cairn_audit_verifier_free(v);

	/* a slice from seq 11: earlier checkpoints are ignored */
	assert_int_equal(cairn_audit_verifier_new(&v, keys(f), ORG_A), 0);
	cairn_audit_verifier_start(v, 11);
	for (i = 0; i < c.ncp; i++)
		assert_int_equal(cairn_audit_verifier_checkpoint(v, &c.cp[i]),
		    0);
	for (i = 10; i < c.n; i++)
		assert_int_equal(cairn_audit_verifier_record(v, &c.rec[i]), 0);
	assert_int_equal(cairn_audit_verifier_finish(v, &res), 0);
	assert_int_equal(res.records, 20);
	assert_int_equal(res.first_seq, 11);
	assert_int_equal(res.checkpoints, 2);
	cairn_audit_verifier_free(v);

	/* a head behind the chain, a head with another hash */
	assert_int_equal(cairn_audit_verifier_new(&v, keys(f), NULL), 0);
	cairn_audit_verifier_head(v, 29, c.rec[28].hash);
	for (i = 0; i < c.n; i++)
		assert_int_equal(cairn_audit_verifier_record(v, &c.rec[i]), 0);
	assert_int_equal(cairn_audit_verifier_finish(v, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_HEAD);
	assert_int_equal(res.bad_seq, 30);
	cairn_audit_verifier_free(v);
	assert_int_equal(cairn_audit_verifier_new(&v, keys(f), NULL), 0);
	cairn_audit_verifier_head(v, 30, c.rec[28].hash);
	for (i = 0; i < c.n; i++)
		assert_int_equal(cairn_audit_verifier_record(v, &c.rec[i]), 0);
	assert_int_equal(cairn_audit_verifier_finish(v, &res), CAIRN_ECORRUPT);
	assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_HEAD);
	assert_int_equal(res.bad_seq, 30);
	cairn_audit_verifier_free(v);
	cairn_audit_verifier_free(NULL);
}

/* --- exports --- */

static void
test_audit_export_roundtrip(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_result res;
	struct cairn_audit_item it, got;
	static struct chain c;
	enum cairn_audit_format fmt;
	char	*line, *text;
	size_t	 len, i;

	plain_chain(f, &c, 20, 10);
	add(&c, CAIRN_AUDIT_READ, 1, ADDR_A, "odd, \"quoted\" text ", 1);
	add(&c, CAIRN_AUDIT_REFUSED, 0, "", ORG_B, 0);
	c.rec[c.n - 1].code = CAIRN_EBADSIG;
	reseal(&c, c.n - 1);
	receipt(&c, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 1, 1);
	for (fmt = CAIRN_AUDIT_JSONL; fmt <= CAIRN_AUDIT_CSV; fmt++) {
		for (i = 0; i < c.n; i++) {
			memset(&it, 0, sizeof(it));
			it.type = CAIRN_AUDIT_ITEM_RECORD;
			it.u.record = c.rec[i];
			assert_int_equal(cairn_audit_item_format(&it, fmt,
			    &line, &len), 0);
			assert_int_equal(cairn_audit_item_parse(&got, fmt,
			    line, len), 0);
			assert_memory_equal(&got, &it, sizeof(it));
			free(line);
		}
		memset(&it, 0, sizeof(it));
		it.type = CAIRN_AUDIT_ITEM_CHECKPOINT;
		it.u.checkpoint = c.cp[0];
		assert_int_equal(cairn_audit_item_format(&it, fmt, &line,
		    &len), 0);
		assert_int_equal(cairn_audit_item_parse(&got, fmt, line, len),
		    0);
		assert_memory_equal(&got, &it, sizeof(it));
		free(line);
		memset(&it, 0, sizeof(it));
		it.type = CAIRN_AUDIT_ITEM_RECEIPT;
		it.u.receipt = c.rcpt[0];
		assert_int_equal(cairn_audit_item_format(&it, fmt, &line,
		    &len), 0);
		assert_int_equal(cairn_audit_item_parse(&got, fmt, line, len),
		    0);
		assert_memory_equal(&got, &it, sizeof(it));
		free(line);

		text = export_text(&c, fmt);
		assert_int_equal(verify_text(f, text, fmt, &res), 0);
		assert_int_equal(res.records, c.n);
		assert_int_equal(res.checkpoints, 2);
		free(text);
	}
	assert_int_equal(cairn_audit_item_format(&it, 3, &line, &len),
	    CAIRN_EINVAL);
	it.type = 9;
	assert_int_equal(cairn_audit_item_format(&it, CAIRN_AUDIT_JSONL, &line,
	    &len), CAIRN_EINVAL);
}

static void
test_audit_export_edited_fails_verify(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_result res;
	static struct chain c;
	enum cairn_audit_format fmt;
	char	*text, *bad;
	int	 hdr;

	plain_chain(f, &c, 30, 10);
	for (fmt = CAIRN_AUDIT_JSONL; fmt <= CAIRN_AUDIT_CSV; fmt++) {
		text = export_text(&c, fmt);
		/* lines: [columns], header, 3 checkpoints, records */
		hdr = (fmt == CAIRN_AUDIT_CSV) + 1 + 3;
		assert_int_equal(verify_text(f, text, fmt, &res), 0);

		/* the remote address of record 15 */
		bad = edit(text, hdr + 14, ADDR_B, ORG_B "/kurator");
		assert_int_equal(verify_text(f, bad, fmt, &res),
		    CAIRN_ECORRUPT);
		assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_HASH);
		assert_int_equal(res.bad_seq, 15);
		free(bad);

		/* record 12 deleted */
		bad = drop_line(text, hdr + 11);
		assert_int_equal(verify_text(f, bad, fmt, &res),
		    CAIRN_ECORRUPT);
		assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_SEQ);
		assert_int_equal(res.bad_seq, 12);
		free(bad);

		/* the last record deleted, under the checkpoint at 30 */
		bad = drop_line(text, hdr + 29);
		assert_int_equal(verify_text(f, bad, fmt, &res),
		    CAIRN_ECORRUPT);
		assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_TRUNCATED);
		assert_int_equal(res.bad_seq, 30);
		free(bad);

		/* a checkpoint's time */
		bad = edit(text, hdr - 3, "1795000009", "1795000008");
		assert_int_equal(verify_text(f, bad, fmt, &res),
		    CAIRN_ECORRUPT);
		assert_int_equal(res.fault, CAIRN_AUDIT_FAULT_SIGNATURE);
		assert_int_equal(res.bad_seq, 10);
		free(bad);
		free(text);
	}
}

static void
test_audit_export_parse_refuses(void **state)
{
	static const struct {
		enum cairn_audit_format fmt;
		const char *line;
		int	 code;
	} cases[] = {
		{ CAIRN_AUDIT_JSONL, "", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_JSONL, "{", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_JSONL, "[]", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_JSONL, "{} x", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_JSONL, "{}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"nothing\"}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"receipt\",\"type\":"
		    "\"receipt\"}", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":2,"
		    "\"org\":\"a\",\"created_ms\":1,\"first_seq\":1,"
		    "\"last_seq\":0}", CAIRN_EVERSION },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":1,"
		    "\"org\":\"a\",\"created_ms\":1,\"first_seq\":1,"
		    "\"last_seq\":0}", 0 },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":1,"
		    "\"org\":\"a\",\"created_ms\":1,\"first_seq\":1}",
		    CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":1,"
		    "\"org\":\"a\",\"created_ms\":1,\"first_seq\":1,"
		    "\"last_seq\":0,\"extra\":1}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":1,"
		    "\"org\":\"a\",\"created_ms\":1,\"first_seq\":0,"
		    "\"last_seq\":0}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":1,"
		    "\"org\":\"A B\",\"created_ms\":1,\"first_seq\":1,"
		    "\"last_seq\":0}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":\"1\","
		    "\"org\":\"a\",\"created_ms\":1,\"first_seq\":1,"
		    "\"last_seq\":0}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"header\",\"version\":1,"
		    "\"org\":\"a\",\"created_ms\":1.5,\"first_seq\":1,"
		    "\"last_seq\":0}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"receipt\",\"msg_id\":"
		    "\"00112233445566778899aabbccddeeff\",\"reply\":\"AAEC\"}",
		    0 },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"receipt\",\"msg_id\":"
		    "\"00112233445566778899aabbccddeeff\",\"reply\":\"AAE\"}",
		    CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"receipt\",\"msg_id\":"
		    "\"00112233445566778899aabbccddee\",\"reply\":\"AAEC\"}",
		    CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"receipt\",\"msg_id\":"
		    "\"00112233445566778899aabbccddeeff\",\"reply\":\"\"}",
		    CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"receipt\",\"msg_id\":null,"
		    "\"reply\":\"AAEC\"}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"record\",\"seq\":1,"
		    "\"time_ms\":1,\"event\":\"nosuch\",\"msg_id\":null,"
		    "\"local\":\"\",\"remote\":\"\",\"envelope_hash\":null,"
		    "\"code\":0,\"uid\":-1,\"prev_hash\":\"" "0000000000000000"
		    "000000000000000000000000000000000000000000000000\","
		    "\"hash\":\"00000000000000000000000000000000000000000000"
		    "00000000000000000000\"}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"record\",\"seq\":1,"
		    "\"time_ms\":1,\"event\":\"started\",\"msg_id\":null,"
		    "\"local\":\"\",\"remote\":\"\",\"envelope_hash\":null,"
		    "\"code\":0,\"uid\":-1,\"prev_hash\":\"" "0000000000000000"
		    "000000000000000000000000000000000000000000000000\","
		    "\"hash\":\"00000000000000000000000000000000000000000000"
		    "00000000000000000000\"}", 0 },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"record\",\"seq\":1,"
		    "\"time_ms\":1,\"event\":\"started\",\"msg_id\":null,"
		    "\"local\":\"a\\u0000b\",\"remote\":\"\",\"envelope_hash\":"
		    "null,\"code\":0,\"uid\":-1,\"prev_hash\":\""
		    "0000000000000000000000000000000000000000000000000000000000"
		    "000000\",\"hash\":\"0000000000000000000000000000000000000"
		    "000000000000000000000000000\"}", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"record\",\"seq\":1,"
		    "\"time_ms\":1,\"event\":\"started\",\"msg_id\":null,"
		    "\"local\":\"a\\nb\",\"remote\":\"\",\"envelope_hash\":"
		    "null,\"code\":0,\"uid\":-1,\"prev_hash\":\""
		    "0000000000000000000000000000000000000000000000000000000000"
		    "000000\",\"hash\":\"0000000000000000000000000000000000000"
		    "000000000000000000000000000\"}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_JSONL, "{\"type\":\"record\",\"seq\":1,"
		    "\"time_ms\":1,\"event\":\"started\",\"msg_id\":null,"
		    "\"local\":\"\",\"remote\":\"\",\"envelope_hash\":null,"
		    "\"code\":2147483648,\"uid\":-1,\"prev_hash\":\""
		    "0000000000000000000000000000000000000000000000000000000000"
		    "000000\",\"hash\":\"0000000000000000000000000000000000000"
		    "000000000000000000000000000\"}", CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "receipt,,,,00112233445566778899aabbccddeeff"
		    ",,,,,,,,,,,AAEC,,", 0 },
		{ CAIRN_AUDIT_CSV, "receipt,,,,00112233445566778899aabbccddeeff"
		    ",,,,,,,,,,,AAEC,", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_CSV, "receipt,,,,00112233445566778899aabbccddeeff"
		    ",,,,,,,,,,,AAEC,,,", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_CSV, "receipt,1,,,00112233445566778899aabbccddeeff"
		    ",,,,,,,,,,,AAEC,,", CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "receipt,,,,00112233445566778899aabbccddeeff"
		    ",,,,,,,,,,,,,", CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "receipt,,,,\"00112233445566778899aabbccddeeff"
		    ",,,,,,,,,,,AAEC,,", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_CSV, "receipt,,,,0011223344556677\"8899aabbccddeeff"
		    ",,,,,,,,,,,AAEC,,", CAIRN_EMALFORMED },
		{ CAIRN_AUDIT_CSV, "header,1,5,,,,,,,,,,a,,,,1,0", 0 },
		{ CAIRN_AUDIT_CSV, "header,01,5,,,,,,,,,,a,,,,1,0",
		    CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "header,+1,5,,,,,,,,,,a,,,,1,0",
		    CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "header,1,-0,,,,,,,,,,a,,,,1,0",
		    CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "header,1,-9223372036854775808,,,,,,,,,,a,,,,"
		    "1,0", 0 },
		{ CAIRN_AUDIT_CSV, "header,1,-9223372036854775809,,,,,,,,,,a,,,,"
		    "1,0", CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "header,9223372036854775808,1,,,,,,,,,,a,,,,"
		    "1,0", CAIRN_EFIELD },
		{ CAIRN_AUDIT_CSV, "header,1,5,,,,,,,,,,a,,,,3,0",
		    CAIRN_EVERSION },
	};
	struct cairn_audit_item it;
	char	 big[CAIRN_AUDIT_LINE_MAX + 2];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int	rc = cairn_audit_item_parse(&it, cases[i].fmt,
			    cases[i].line, strlen(cases[i].line));

		if (rc != cases[i].code)
			fail_msg("case %zu: got %d, want %d: %s", i, rc,
			    cases[i].code, cases[i].line);
	}
	memset(big, ' ', sizeof(big));
	assert_int_equal(cairn_audit_item_parse(&it, CAIRN_AUDIT_JSONL, big,
	    sizeof(big)), CAIRN_ETOOBIG);
	assert_int_equal(cairn_audit_item_parse(&it, CAIRN_AUDIT_JSONL,
	    "{}\n{}", 5), CAIRN_EMALFORMED);
	assert_int_equal(cairn_audit_item_parse(&it, CAIRN_AUDIT_JSONL,
	    "{\0}", 3), CAIRN_EMALFORMED);
	assert_int_equal(cairn_audit_item_parse(&it, 7, "{}", 2),
	    CAIRN_EINVAL);
}

/* --- reconciliation --- */

/*
 * Three requests from A to B, all delivered with receipts and read at
 * B; one request from B to A refused by A with a nack; one from A still
 * queued.
 */
static void
two_sides(struct fx *f, struct chain *a, struct chain *b)
{
	int	m;

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	strcpy(a->org, ORG_A);
	strcpy(b->org, ORG_B);
	add(a, CAIRN_AUDIT_STARTED, 0, NULL, NULL, 0);
	add(b, CAIRN_AUDIT_STARTED, 0, NULL, NULL, 0);
	for (m = 1; m <= 3; m++) {
		add(a, CAIRN_AUDIT_SUBMITTED, m, ADDR_A, ADDR_B, m);
		add(a, CAIRN_AUDIT_SENT, m, ADDR_A, ADDR_B, m);
		add(b, CAIRN_AUDIT_RECEIVED, m, ADDR_B, ADDR_A, m);
		add(a, CAIRN_AUDIT_DELIVERED, m, ADDR_A, ADDR_B, m);
		receipt(a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, m, m);
		add(b, CAIRN_AUDIT_READ, m, ADDR_B, ADDR_A, m);
	}
	add(b, CAIRN_AUDIT_SUBMITTED, 4, ADDR_B, ORG_A "/nosuch", 4);
	add(b, CAIRN_AUDIT_SENT, 4, ADDR_B, ORG_A "/nosuch", 4);
	add(a, CAIRN_AUDIT_REFUSED, 4, ORG_A "/nosuch", ADDR_B, 4);
	add(b, CAIRN_AUDIT_REJECTED, 4, ADDR_B, ORG_A "/nosuch", 4);
	receipt(b, f->sec[0], ORG_A, CAIRN_REPLY_NACK, 4, 4);
	add(a, CAIRN_AUDIT_SUBMITTED, 5, ADDR_A, ADDR_B, 5);
	/* messages with a third party are not the other side's business */
	add(a, CAIRN_AUDIT_DELIVERED, 6, ADDR_A, "alingsas.soc/mottagning", 6);
	add(a, CAIRN_AUDIT_STOPPED, 0, NULL, NULL, 0);
	add(b, CAIRN_AUDIT_STOPPED, 0, NULL, NULL, 0);
	checkpoint(a, f->sec[0]);
	checkpoint(b, f->sec[1]);
}

struct findings {
	struct cairn_audit_finding f[16];
	size_t	n;
};

static void
collect(void *arg, const struct cairn_audit_finding *f)
{
	struct findings *fs = arg;

	if (f->kind != CAIRN_AUDIT_MATCHED && fs->n < 16)
		fs->f[fs->n++] = *f;
}

static void
reconcile(struct fx *f, const struct chain *a, const struct chain *b,
    struct findings *fs, struct cairn_audit_summary *sum)
{
	struct cairn_audit_reconcile *r;
	struct cairn_audit_item it;
	const struct chain *c;
	size_t	i;
	int	side;

	memset(fs, 0, sizeof(*fs));
	assert_int_equal(cairn_audit_reconcile_new(&r, keys(f), ORG_A, ORG_B),
	    0);
	for (side = 0; side < 2; side++) {
		c = side == 0 ? a : b;
		memset(&it, 0, sizeof(it));
		for (i = 0; i < c->n; i++) {
			it.type = CAIRN_AUDIT_ITEM_RECORD;
			it.u.record = c->rec[i];
			assert_int_equal(cairn_audit_reconcile_add(r, side,
			    &it), 0);
		}
		for (i = 0; i < c->nrcpt; i++) {
			it.type = CAIRN_AUDIT_ITEM_RECEIPT;
			it.u.receipt = c->rcpt[i];
			assert_int_equal(cairn_audit_reconcile_add(r, side,
			    &it), 0);
		}
	}
	assert_int_equal(cairn_audit_reconcile_add(r, 2, &it), CAIRN_EINVAL);
	assert_int_equal(cairn_audit_reconcile_run(r, collect, fs, sum), 0);
	cairn_audit_reconcile_free(r);
}

static void
test_audit_reconcile_all_matched(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_reconcile *r;
	struct cairn_audit_summary sum;
	struct cairn_audit_result res;
	static struct chain a, b;
	struct findings fs;

	two_sides(f, &a, &b);
	assert_int_equal(verify(f, &a, &res), 0);
	assert_int_equal(verify(f, &b, &res), 0);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(sum.messages, 5);
	assert_int_equal(sum.matched, 5);
	assert_int_equal(sum.mismatched, 0);
	/* the same with the sides swapped */
	reconcile(f, &b, &a, &fs, &sum);
	assert_int_equal(fs.n, 0);
	assert_int_equal(cairn_audit_reconcile_new(&r, keys(f), ORG_A, ORG_A),
	    CAIRN_EINVAL);
	assert_string_equal(cairn_audit_finding_name(CAIRN_AUDIT_MATCHED),
	    "matched");
}

static void
test_audit_reconcile_hidden_deletion(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_summary sum;
	struct cairn_audit_result res;
	static struct chain a, b;
	struct findings fs;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	size_t	 i, k;

	/* B drops every record of message 2 and rebuilds its chain */
	two_sides(f, &a, &b);
	for (i = k = 0; i < b.n; i++) {
		make_id(id, 2);
		if (b.rec[i].has_msg_id && memcmp(b.rec[i].msg_id, id,
		    CAIRN_MSG_ID_BYTES) == 0)
			continue;
		b.rec[k++] = b.rec[i];
	}
	b.n = k;
	rechain(&b, 0);
	b.ncp = 0;	/* its old checkpoint would give it away */
	assert_int_equal(verify(f, &b, &res), 0);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(sum.messages, 5);
	assert_int_equal(sum.mismatched, 1);
	assert_int_equal(fs.n, 1);
	make_id(id, 2);
	assert_memory_equal(fs.f[0].msg_id, id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_MISSING);
	assert_int_equal(fs.f[0].side, 1);
	assert_string_equal(fs.f[0].outcome[0], "delivered");
	assert_string_equal(fs.f[0].outcome[1], "-");
	assert_string_equal(fs.f[0].from, ADDR_A);
	assert_string_equal(fs.f[0].to, ADDR_B);

	/* A hides that it sent message 1: B still holds it */
	two_sides(f, &a, &b);
	for (i = k = 0; i < a.n; i++) {
		make_id(id, 1);
		if (a.rec[i].has_msg_id && memcmp(a.rec[i].msg_id, id,
		    CAIRN_MSG_ID_BYTES) == 0)
			continue;
		a.rec[k++] = a.rec[i];
	}
	a.n = k;
	rechain(&a, 0);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_MISSING);
	assert_int_equal(fs.f[0].side, 0);
	assert_string_equal(fs.f[0].from, ADDR_A);
}

static void
test_audit_reconcile_hash_mismatch(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_summary sum;
	static struct chain a, b;
	struct findings fs;
	size_t	 i;

	two_sides(f, &a, &b);
	for (i = 0; i < b.n; i++) {
		if (b.rec[i].event == CAIRN_AUDIT_RECEIVED &&
		    b.rec[i].msg_id[1] == 3) {
			make_hash(b.rec[i].envelope_hash, 99);
			break;
		}
	}
	/* its READ record still names the right hash: inconsistent */
	rechain(&b, 0);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(sum.mismatched, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_HASH_MISMATCH);
	assert_int_equal(fs.f[0].side, 1);

	/* consistently another envelope on B's side */
	for (i = 0; i < b.n; i++)
		if (b.rec[i].has_msg_id && b.rec[i].msg_id[1] == 3)
			make_hash(b.rec[i].envelope_hash, 99);
	rechain(&b, 0);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(sum.mismatched, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_HASH_MISMATCH);
	assert_int_equal(fs.f[0].side, -1);
	assert_true(fs.f[0].has_hash[0] && fs.f[0].has_hash[1]);
	assert_memory_not_equal(fs.f[0].hash[0], fs.f[0].hash[1],
	    CAIRN_HASH_BYTES);

	/* addresses that do not agree */
	two_sides(f, &a, &b);
	for (i = 0; i < b.n; i++)
		if (b.rec[i].has_msg_id && b.rec[i].msg_id[1] == 1)
			strcpy(b.rec[i].local, ORG_B "/kurator");
	rechain(&b, 0);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_ADDRESS_MISMATCH);
}

static void
test_audit_reconcile_forged_receipt(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_summary sum;
	static struct chain a, b;
	struct findings fs;

	/* signed by mallory in B's name */
	two_sides(f, &a, &b);
	a.nrcpt = 0;
	receipt(&a, f->sec[2], ORG_B, CAIRN_REPLY_RECEIPT, 1, 1);
	receipt(&a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 2, 2);
	receipt(&a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 3, 3);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(sum.mismatched, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_BAD_RECEIPT);
	assert_int_equal(fs.f[0].side, 0);
	assert_int_equal(fs.f[0].code, CAIRN_EUNKNOWNKEY);
	assert_int_equal(fs.f[0].msg_id[1], 1);

	/* a signature byte changed */
	two_sides(f, &a, &b);
	a.rcpt[1].reply[a.rcpt[1].len - 3] ^= 0x40;
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_BAD_RECEIPT);
	assert_int_not_equal(fs.f[0].code, 0);

	/* A's own signature, claimed to be B's */
	two_sides(f, &a, &b);
	a.nrcpt = 0;
	receipt(&a, f->sec[0], ORG_B, CAIRN_REPLY_RECEIPT, 1, 1);
	receipt(&a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 2, 2);
	receipt(&a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 3, 3);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].code, CAIRN_ESENDER);

	/* a real receipt of B, for another message */
	two_sides(f, &a, &b);
	a.nrcpt = 0;
	receipt(&a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 2, 2);
	memcpy(a.rcpt[0].msg_id, a.rec[3].msg_id, CAIRN_MSG_ID_BYTES);
	receipt(&a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 2, 2);
	receipt(&a, f->sec[1], ORG_B, CAIRN_REPLY_RECEIPT, 3, 3);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].code, CAIRN_EFIELD);

	/* none at all */
	two_sides(f, &a, &b);
	a.nrcpt = 0;
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(sum.mismatched, 3);
	assert_int_equal(fs.f[0].code, CAIRN_ENOTFOUND);

	/* a receipt where the other side kept a nack */
	two_sides(f, &a, &b);
	b.nrcpt = 0;
	receipt(&b, f->sec[0], ORG_A, CAIRN_REPLY_RECEIPT, 4, 4);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_BAD_RECEIPT);
	assert_int_equal(fs.f[0].side, 1);
}

static void
test_audit_reconcile_conflicts(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_summary sum;
	static struct chain a, b;
	struct findings fs;

	/* received at B, A has no receipt (still sending) */
	two_sides(f, &a, &b);
	add(&a, CAIRN_AUDIT_SUBMITTED, 7, ADDR_A, ADDR_B, 7);
	add(&b, CAIRN_AUDIT_RECEIVED, 7, ADDR_B, ADDR_A, 7);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_UNCONFIRMED);
	assert_int_equal(fs.f[0].side, 0);

	/* delivered says A; refused says B */
	two_sides(f, &a, &b);
	add(&a, CAIRN_AUDIT_DELIVERED, 8, ADDR_A, ADDR_B, 8);
	add(&b, CAIRN_AUDIT_REFUSED, 8, ADDR_B, ADDR_A, 8);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_CONFLICT);

	/* both claim to have sent it */
	two_sides(f, &a, &b);
	add(&a, CAIRN_AUDIT_SENT, 9, ADDR_A, ADDR_B, 9);
	add(&b, CAIRN_AUDIT_SENT, 9, ADDR_B, ADDR_A, 9);
	reconcile(f, &a, &b, &fs, &sum);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].kind, CAIRN_AUDIT_CONFLICT);
	assert_int_equal(sum.messages, 6);
}

/* --- the daemon's checkpoints, on a real store --- */

static int
gather_rec(void *arg, const struct cairn_audit_record *rec)
{
	struct chain *c = arg;

	if (c->n == MAXREC)
		return -1;
	c->rec[c->n++] = *rec;
	return 0;
}

static int
gather_cp(void *arg, const struct cairn_audit_checkpoint *cp)
{
	struct chain *c = arg;

	if (c->ncp == MAXCP)
		return -1;
	c->cp[c->ncp++] = *cp;
	return 0;
}

static void
append(struct store *st, int n)
{
	struct cairn_audit_record rec;
	struct store_txn *t;
	int	i;

	assert_int_equal(store_begin(st, &t), 0);
	for (i = 0; i < n; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.time_ms = NOW;
		rec.event = CAIRN_AUDIT_SENT;
		rec.uid = -1;
		assert_int_equal(store_audit_append(t, &rec), 0);
	}
	assert_int_equal(store_commit(t), 0);
}

static void
test_audit_daemon_checkpoints(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_result res;
	struct config cfg;
	struct store *st;
	struct audit *a;
	static struct chain c;
	int	 i;

	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.org, ORG_A);
	cfg.checkpoint_records = 3;
	cfg.checkpoint_seconds = 60;
	assert_int_equal(store_open(&st, f->dir, 0), 0);
	assert_int_equal(audit_init(&a, &cfg, st, f->sec[0]), 0);
	/* nothing to sign yet */
	assert_int_equal(audit_tick(a, NULL, NOW), 0);
	for (i = 0; i < 10; i++) {
		append(st, 1);
		assert_int_equal(audit_tick(a, NULL, NOW + i), 0);
	}
	/* by time: one record, a minute later */
	append(st, 1);
	assert_int_equal(audit_tick(a, NULL, NOW + 30000), 0);
	assert_int_equal(audit_tick(a, NULL, NOW + 70000), 0);
	append(st, 1);
	assert_int_equal(audit_shutdown(a, NOW + 80000), 0);

	/* at start, then every 3 records, by time, at shutdown */
	memset(&c, 0, sizeof(c));
	strcpy(c.org, ORG_A);
	assert_int_equal(store_checkpoint_each(st, gather_cp, &c), 0);
	assert_int_equal(c.ncp, 6);
	assert_int_equal(c.cp[0].seq, 1);
	assert_int_equal(c.cp[1].seq, 4);
	assert_int_equal(c.cp[2].seq, 7);
	assert_int_equal(c.cp[3].seq, 10);
	assert_int_equal(c.cp[4].seq, 11);
	assert_int_equal(c.cp[4].time_ms, NOW + 70000);
	assert_int_equal(c.cp[5].seq, 12);
	assert_int_equal(store_audit_each(st, 1, gather_rec, &c), 0);
	assert_int_equal(c.n, 12);
	assert_int_equal(verify(f, &c, &res), 0);
	assert_int_equal(res.checkpoints, 6);
	assert_int_equal(res.unsigned_records, 0);

	/* a restart signs what came since (a crash's tail) at once, then
	 * carries on from the stored schedule */
	assert_int_equal(audit_init(&a, &cfg, st, f->sec[0]), 0);
	append(st, 2);
	assert_int_equal(audit_tick(a, NULL, NOW + 80001), 0);
	assert_int_equal(store_checkpoint_last(st, NULL, &c.cp[0]), 0);
	assert_int_equal(c.cp[0].seq, 14);
	append(st, 1);
	assert_int_equal(audit_tick(a, NULL, NOW + 80002), 0);
	assert_int_equal(store_checkpoint_last(st, NULL, &c.cp[0]), 0);
	assert_int_equal(c.cp[0].seq, 14);
	append(st, 2);
	assert_int_equal(audit_tick(a, NULL, NOW + 80003), 0);
	assert_int_equal(store_checkpoint_last(st, NULL, &c.cp[0]), 0);
	assert_int_equal(c.cp[0].seq, 17);
	/* in a pass's transaction: the checkpoint covers the pass's own
	 * records, is stored with them, and goes if the pass is aborted */
	{
		struct cairn_audit_record rec;
		struct store_txn *t;

		memset(&rec, 0, sizeof(rec));
		rec.time_ms = NOW;
		rec.event = CAIRN_AUDIT_SENT;
		rec.uid = -1;
		assert_int_equal(store_begin(st, &t), 0);
		for (i = 0; i < 3; i++)
			assert_int_equal(store_audit_append(t, &rec), 0);
		assert_int_equal(audit_tick(a, t, NOW + 80004), 0);
		store_abort(t);
		audit_pass_done(a);
		assert_int_equal(store_checkpoint_last(st, NULL, &c.cp[0]), 0);
		assert_int_equal(c.cp[0].seq, 17);
		/* the aborted pass is gone: its three are not counted */
		assert_int_equal(store_begin(st, &t), 0);
		assert_int_equal(audit_tick(a, t, NOW + 80005), 0);
		store_abort(t);
		audit_pass_done(a);
		assert_int_equal(store_begin(st, &t), 0);
		for (i = 0; i < 3; i++)
			assert_int_equal(store_audit_append(t, &rec), 0);
		assert_int_equal(audit_tick(a, t, NOW + 80006), 0);
		assert_int_equal(store_commit(t), 0);
		audit_pass_done(a);
		assert_int_equal(store_checkpoint_last(st, NULL, &c.cp[0]), 0);
		assert_int_equal(c.cp[0].seq, 20);
	}
	/* nothing new: no checkpoint at shutdown */
	assert_int_equal(audit_shutdown(a, NOW + 90000), 0);
	assert_int_equal(store_checkpoint_last(st, NULL, &c.cp[0]), 0);
	assert_int_equal(c.cp[0].seq, 20);
	assert_int_equal(audit_shutdown(NULL, NOW), 0);
	store_close(st);
}

static void
test_audit_store_checkpoint_refuses(void **state)
{
	struct fx *f = *state;
	struct cairn_audit_checkpoint cp;
	struct cairn_signer s;
	struct store *st;
	struct store_txn *t;
	uint8_t	*buf;
	size_t	 len;

	assert_int_equal(store_open(&st, f->dir, 0), 0);
	assert_int_equal(store_checkpoint_last(st, NULL, &cp),
	    CAIRN_ENOTFOUND);
	memset(&cp, 0, sizeof(cp));
	cp.seq = 5;
	cp.time_ms = NOW;
	strcpy(cp.org, ORG_A);
	assert_int_equal(cairn_keyfile_signer(f->sec[0], NOW, &s), 0);
	assert_int_equal(cairn_audit_checkpoint_sign(&cp, &s, &buf, &len), 0);
	assert_int_equal(store_begin(st, &t), 0);
	assert_int_equal(store_checkpoint_put(t, 6, buf, len), CAIRN_EINVAL);
	assert_int_equal(store_checkpoint_put(t, 5, buf, len - 1),
	    CAIRN_EINVAL);
	assert_int_equal(store_checkpoint_put(t, 5, buf, len), 0);
	assert_int_equal(store_checkpoint_put(t, 5, buf, len), CAIRN_EEXIST);
	assert_int_equal(store_commit(t), 0);
	assert_int_equal(store_checkpoint_put(NULL, 5, buf, len),
	    CAIRN_EINVAL);
	free(buf);
	store_close(st);
}

int
main(void)
{
#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_audit_checkpoint_roundtrip),
		T(test_audit_checkpoint_every_bit_flip),
		T(test_audit_chain_sound),
		T(test_audit_changed_field),
		T(test_audit_deleted_record),
		T(test_audit_reordered_records),
		T(test_audit_truncated_after_checkpoint),
		T(test_audit_forged_checkpoint),
		T(test_audit_verifier_api),
		T(test_audit_export_roundtrip),
		T(test_audit_export_edited_fails_verify),
		cmocka_unit_test(test_audit_export_parse_refuses),
		T(test_audit_reconcile_all_matched),
		T(test_audit_reconcile_hidden_deletion),
		T(test_audit_reconcile_hash_mismatch),
		T(test_audit_reconcile_forged_receipt),
		T(test_audit_reconcile_conflicts),
		T(test_audit_daemon_checkpoints),
		T(test_audit_store_checkpoint_refuses),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
