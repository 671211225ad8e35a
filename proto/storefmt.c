/* SPDX-License-Identifier: MIT */
/*
 * storefmt: the bytes of cairnd's LMDB store (see storefmt.h).
 *
 * Values are encoded field by field into versioned little-endian byte
 * strings that end in a BLAKE2b checksum of everything before it, and are
 * decoded and checked field by field.  Writers and readers of the store,
 * the daemon and `cairn audit`, go through here only, so that the layout
 * cannot drift between them.
 *
 * Not for: I/O of any kind; it never sees an LMDB handle.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/storefmt.h"

#define CSUM_BYTES	CAIRN_STOREFMT_CSUM_BYTES
#define VERSION		CAIRN_STOREFMT_VERSION

struct enc {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 len;
	bool		 over;
};

struct dec {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	bool		 bad;
};

static void	put_be64(uint8_t *p, uint64_t v);
static uint64_t	get_be64(const uint8_t *p);
static void	put_le(uint8_t *p, uint64_t v, size_t n);
static uint64_t	get_le(const uint8_t *p, size_t n);
static void	enc_bytes(struct enc *e, const void *p, size_t n);
static void	enc_u8(struct enc *e, uint8_t v);
static void	enc_u32(struct enc *e, uint32_t v);
static void	enc_u64(struct enc *e, uint64_t v);
static void	enc_str(struct enc *e, const char *s);
static int	enc_seal(struct enc *e);
static void	dec_bytes(struct dec *d, void *out, size_t n);
static uint8_t	dec_u8(struct dec *d);
static uint32_t	dec_u32(struct dec *d);
static uint64_t	dec_u64(struct dec *d);
static void	dec_str(struct dec *d, char *dst, size_t size);
static int	dec_open(struct dec *d, const uint8_t *buf, size_t len);
static int	dec_close(struct dec *d);
static bool	str_ok(const char *s, size_t size);
static int	check_out(const struct cairn_storefmt_out *o);
static int	check_in(const struct cairn_storefmt_in *m);
static int	check_case(const struct cairn_storefmt_case *c);

static const char *db_names[CAIRN_STOREFMT_DB_COUNT] = {
	[CAIRN_STOREFMT_DB_OUTBOX] = "outbox",
	[CAIRN_STOREFMT_DB_OUTENV] = "outenv",
	[CAIRN_STOREFMT_DB_SCHED] = "sched",
	[CAIRN_STOREFMT_DB_RECEIPTS] = "receipts",
	[CAIRN_STOREFMT_DB_INBOX] = "inbox",
	[CAIRN_STOREFMT_DB_INENV] = "inenv",
	[CAIRN_STOREFMT_DB_DEDUP] = "dedup",
	[CAIRN_STOREFMT_DB_DEDUPEXP] = "dedupexp",
	[CAIRN_STOREFMT_DB_AUDIT] = "audit",
	[CAIRN_STOREFMT_DB_META] = "meta",
	[CAIRN_STOREFMT_DB_CASES] = "cases",
	[CAIRN_STOREFMT_DB_CHECKPOINTS] = "checkpoints",
};

const char *
cairn_storefmt_db_name(enum cairn_storefmt_db db)
{
	if ((unsigned int)db >= CAIRN_STOREFMT_DB_COUNT)
		return NULL;
	return db_names[db];
}

/* --- byte order --- */

static void
put_be64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t	 i;

	for (i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return v;
}

/* --- encoding --- */

static void
enc_bytes(struct enc *e, const void *p, size_t n)
{
	if (e->over || n > e->cap - e->len) {
		e->over = true;
		return;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

static void
enc_u8(struct enc *e, uint8_t v)
{
	enc_bytes(e, &v, 1);
}

static void
enc_u32(struct enc *e, uint32_t v)
{
	uint8_t	b[4];

	put_le(b, v, sizeof(b));
	enc_bytes(e, b, sizeof(b));
}

static void
enc_u64(struct enc *e, uint64_t v)
{
	uint8_t	b[8];

	put_le(b, v, sizeof(b));
	enc_bytes(e, b, sizeof(b));
}

/* s has been checked with str_ok(), so it is shorter than 256 bytes. */
static void
enc_str(struct enc *e, const char *s)
{
	size_t	len = strlen(s);

	enc_u8(e, (uint8_t)len);
	enc_bytes(e, s, len);
}

static int
enc_seal(struct enc *e)
{
	uint8_t	csum[CSUM_BYTES];

	if (e->over)
		return CAIRN_EINVAL;
	cairn_sig_hash(csum, e->buf, e->len);
	enc_bytes(e, csum, sizeof(csum));
	return e->over ? CAIRN_EINVAL : 0;
}

/* --- decoding --- */

static void
dec_bytes(struct dec *d, void *out, size_t n)
{
	if (n == 0)
		return;
	if (d->bad || n > d->len - d->off) {
		d->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, d->p + d->off, n);
	d->off += n;
}

static uint8_t
dec_u8(struct dec *d)
{
	uint8_t	v;

	dec_bytes(d, &v, 1);
	return v;
}

static uint32_t
dec_u32(struct dec *d)
{
	uint8_t	b[4];

	dec_bytes(d, b, sizeof(b));
	return (uint32_t)get_le(b, sizeof(b));
}

static uint64_t
dec_u64(struct dec *d)
{
	uint8_t	b[8];

	dec_bytes(d, b, sizeof(b));
	return get_le(b, sizeof(b));
}

static void
dec_str(struct dec *d, char *dst, size_t size)
{
	size_t	len;

	len = dec_u8(d);
	if (d->bad || len >= size) {
		d->bad = true;
		dst[0] = '\0';
		return;
	}
	dec_bytes(d, dst, len);
	dst[len] = '\0';
	if (memchr(dst, '\0', len) != NULL)
		d->bad = true;
}

/*
 * Checks the checksum and version of a stored value and prepares d to read
 * its fields.  A bad checksum is corruption; a good checksum over another
 * version is a format this code does not know.
 */
static int
dec_open(struct dec *d, const uint8_t *buf, size_t len)
{
	uint8_t	csum[CSUM_BYTES];

	memset(d, 0, sizeof(*d));
	if (len < 1 + CSUM_BYTES)
		return CAIRN_ECORRUPT;
	d->p = buf;
	d->len = len - CSUM_BYTES;
	cairn_sig_hash(csum, d->p, d->len);
	if (sodium_memcmp(csum, d->p + d->len, CSUM_BYTES) != 0)
		return CAIRN_ECORRUPT;
	if (dec_u8(d) != VERSION)
		return CAIRN_EVERSION;
	return 0;
}

static int
dec_close(struct dec *d)
{
	if (d->bad || d->off != d->len)
		return CAIRN_ECORRUPT;
	return 0;
}

/* --- records --- */

static bool
str_ok(const char *s, size_t size)
{
	return size <= 256 && strnlen(s, size) < size;
}

static int
check_out(const struct cairn_storefmt_out *o)
{
	if (o->state < CAIRN_STOREFMT_OUT_QUEUED ||
	    o->state > CAIRN_STOREFMT_OUT_FAILED)
		return CAIRN_EINVAL;
	if (o->kind <= CAIRN_KIND_NONE || o->kind > CAIRN_KIND_MAX)
		return CAIRN_EINVAL;
	if (!str_ok(o->from_function, sizeof(o->from_function)) ||
	    !str_ok(o->to_org, sizeof(o->to_org)) ||
	    !str_ok(o->to_function, sizeof(o->to_function)))
		return CAIRN_EINVAL;
	/* Schedule keys are unsigned big-endian times. */
	if (o->state == CAIRN_STOREFMT_OUT_QUEUED && o->next_ms < 0)
		return CAIRN_EINVAL;
	return 0;
}

static int
check_in(const struct cairn_storefmt_in *m)
{
	if (m->state < CAIRN_STOREFMT_IN_NEW ||
	    m->state > CAIRN_STOREFMT_IN_READ)
		return CAIRN_EINVAL;
	if (m->kind <= CAIRN_KIND_NONE || m->kind > CAIRN_KIND_MAX)
		return CAIRN_EINVAL;
	if (!str_ok(m->from_org, sizeof(m->from_org)) ||
	    !str_ok(m->from_function, sizeof(m->from_function)) ||
	    !str_ok(m->to_function, sizeof(m->to_function)))
		return CAIRN_EINVAL;
	return 0;
}

static int
check_case(const struct cairn_storefmt_case *c)
{
	if (c->state < CAIRN_STOREFMT_CASE_QUEUED ||
	    c->state > CAIRN_STOREFMT_CASE_STATE_MAX ||
	    c->channel > CAIRN_CHANNEL_MAX)
		return CAIRN_EINVAL;
	if (!str_ok(c->function, sizeof(c->function)) ||
	    !str_ok(c->peer_org, sizeof(c->peer_org)) ||
	    !str_ok(c->peer_function, sizeof(c->peer_function)) ||
	    !str_ok(c->contact_by, sizeof(c->contact_by)) ||
	    !str_ok(c->redirect_org, sizeof(c->redirect_org)) ||
	    !str_ok(c->redirect_function, sizeof(c->redirect_function)))
		return CAIRN_EINVAL;
	return 0;
}

int
cairn_storefmt_out_encode(const struct cairn_storefmt_out *o,
    uint8_t buf[static CAIRN_STOREFMT_REC_MAX_BYTES], size_t *len)
{
	struct enc e = { buf, CAIRN_STOREFMT_REC_MAX_BYTES, 0, false };
	int	rc;

	*len = 0;
	if ((rc = check_out(o)) != 0)
		return rc;
	enc_u8(&e, VERSION);
	enc_bytes(&e, o->msg_id, CAIRN_MSG_ID_BYTES);
	enc_u8(&e, (uint8_t)o->state);
	enc_u8(&e, (uint8_t)o->kind);
	enc_str(&e, o->from_function);
	enc_str(&e, o->to_org);
	enc_str(&e, o->to_function);
	enc_bytes(&e, o->conversation_id, CAIRN_MSG_ID_BYTES);
	enc_u8(&e, o->has_reply_to ? 1 : 0);
	enc_bytes(&e, o->in_reply_to, CAIRN_MSG_ID_BYTES);
	enc_u64(&e, (uint64_t)o->created_ms);
	enc_u64(&e, (uint64_t)o->expires_ms);
	enc_u64(&e, (uint64_t)o->next_ms);
	enc_u64(&e, (uint64_t)o->receipt_ms);
	enc_u32(&e, o->attempts);
	enc_u32(&e, (uint32_t)o->last_error);
	enc_u32(&e, (uint32_t)o->nack_reason);
	enc_bytes(&e, o->envelope_hash, CAIRN_HASH_BYTES);
	if ((rc = enc_seal(&e)) != 0)
		return rc;
	*len = e.len;
	return 0;
}

int
cairn_storefmt_out_decode(struct cairn_storefmt_out *o,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
    size_t len)
{
	struct dec d;
	uint8_t	 state, kind, reply;
	int	 rc;

	memset(o, 0, sizeof(*o));
	if ((rc = dec_open(&d, buf, len)) != 0)
		return rc;
	dec_bytes(&d, o->msg_id, CAIRN_MSG_ID_BYTES);
	state = dec_u8(&d);
	kind = dec_u8(&d);
	dec_str(&d, o->from_function, sizeof(o->from_function));
	dec_str(&d, o->to_org, sizeof(o->to_org));
	dec_str(&d, o->to_function, sizeof(o->to_function));
	dec_bytes(&d, o->conversation_id, CAIRN_MSG_ID_BYTES);
	reply = dec_u8(&d);
	dec_bytes(&d, o->in_reply_to, CAIRN_MSG_ID_BYTES);
	o->created_ms = (int64_t)dec_u64(&d);
	o->expires_ms = (int64_t)dec_u64(&d);
	o->next_ms = (int64_t)dec_u64(&d);
	o->receipt_ms = (int64_t)dec_u64(&d);
	o->attempts = dec_u32(&d);
	o->last_error = (int32_t)dec_u32(&d);
	o->nack_reason = (int32_t)dec_u32(&d);
	dec_bytes(&d, o->envelope_hash, CAIRN_HASH_BYTES);
	if ((rc = dec_close(&d)) != 0)
		goto fail;
	rc = CAIRN_ECORRUPT;
	if (reply > 1 || memcmp(o->msg_id, id, CAIRN_MSG_ID_BYTES) != 0)
		goto fail;
	o->state = (enum cairn_storefmt_out_state)state;
	o->kind = (enum cairn_kind)kind;
	o->has_reply_to = reply;
	if (check_out(o) != 0)
		goto fail;
	return 0;
fail:
	memset(o, 0, sizeof(*o));
	return rc;
}

int
cairn_storefmt_in_encode(const struct cairn_storefmt_in *m,
    uint8_t buf[static CAIRN_STOREFMT_REC_MAX_BYTES], size_t *len)
{
	struct enc e = { buf, CAIRN_STOREFMT_REC_MAX_BYTES, 0, false };
	int	rc;

	*len = 0;
	if ((rc = check_in(m)) != 0)
		return rc;
	enc_u8(&e, VERSION);
	enc_bytes(&e, m->msg_id, CAIRN_MSG_ID_BYTES);
	enc_u8(&e, (uint8_t)m->state);
	enc_u8(&e, (uint8_t)m->kind);
	enc_str(&e, m->from_org);
	enc_str(&e, m->from_function);
	enc_str(&e, m->to_function);
	enc_bytes(&e, m->conversation_id, CAIRN_MSG_ID_BYTES);
	enc_u8(&e, m->has_reply_to ? 1 : 0);
	enc_bytes(&e, m->in_reply_to, CAIRN_MSG_ID_BYTES);
	enc_u64(&e, (uint64_t)m->created_ms);
	enc_u64(&e, (uint64_t)m->expires_ms);
	enc_u64(&e, (uint64_t)m->received_ms);
	enc_bytes(&e, m->envelope_hash, CAIRN_HASH_BYTES);
	if ((rc = enc_seal(&e)) != 0)
		return rc;
	*len = e.len;
	return 0;
}

int
cairn_storefmt_in_decode(struct cairn_storefmt_in *m,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
    size_t len)
{
	struct dec d;
	uint8_t	 state, kind, reply;
	int	 rc;

	memset(m, 0, sizeof(*m));
	if ((rc = dec_open(&d, buf, len)) != 0)
		return rc;
	dec_bytes(&d, m->msg_id, CAIRN_MSG_ID_BYTES);
	state = dec_u8(&d);
	kind = dec_u8(&d);
	dec_str(&d, m->from_org, sizeof(m->from_org));
	dec_str(&d, m->from_function, sizeof(m->from_function));
	dec_str(&d, m->to_function, sizeof(m->to_function));
	dec_bytes(&d, m->conversation_id, CAIRN_MSG_ID_BYTES);
	reply = dec_u8(&d);
	dec_bytes(&d, m->in_reply_to, CAIRN_MSG_ID_BYTES);
	m->created_ms = (int64_t)dec_u64(&d);
	m->expires_ms = (int64_t)dec_u64(&d);
	m->received_ms = (int64_t)dec_u64(&d);
	dec_bytes(&d, m->envelope_hash, CAIRN_HASH_BYTES);
	if ((rc = dec_close(&d)) != 0)
		goto fail;
	rc = CAIRN_ECORRUPT;
	if (reply > 1 || memcmp(m->msg_id, id, CAIRN_MSG_ID_BYTES) != 0)
		goto fail;
	m->state = (enum cairn_storefmt_in_state)state;
	m->kind = (enum cairn_kind)kind;
	m->has_reply_to = reply;
	if (check_in(m) != 0)
		goto fail;
	return 0;
fail:
	memset(m, 0, sizeof(*m));
	return rc;
}

int
cairn_storefmt_case_encode(const struct cairn_storefmt_case *c,
    uint8_t buf[static CAIRN_STOREFMT_REC_MAX_BYTES], size_t *len)
{
	struct enc e = { buf, CAIRN_STOREFMT_REC_MAX_BYTES, 0, false };
	int	rc;

	*len = 0;
	if ((rc = check_case(c)) != 0)
		return rc;
	enc_u8(&e, VERSION);
	enc_bytes(&e, c->request_id, CAIRN_MSG_ID_BYTES);
	enc_u8(&e, c->sent ? 1 : 0);
	enc_u8(&e, (uint8_t)c->state);
	enc_str(&e, c->function);
	enc_str(&e, c->peer_org);
	enc_str(&e, c->peer_function);
	enc_u64(&e, (uint64_t)c->created_ms);
	enc_u64(&e, (uint64_t)c->delivered_ms);
	enc_u64(&e, (uint64_t)c->due_ms);
	enc_u32(&e, c->guarantee_days);
	enc_str(&e, c->contact_by);
	enc_u8(&e, c->channel);
	enc_str(&e, c->redirect_org);
	enc_str(&e, c->redirect_function);
	enc_u64(&e, (uint64_t)c->updated_ms);
	if ((rc = enc_seal(&e)) != 0)
		return rc;
	*len = e.len;
	return 0;
}

int
cairn_storefmt_case_decode(struct cairn_storefmt_case *c,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
    size_t len)
{
	struct dec d;
	uint8_t	 sent, state;
	int	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = dec_open(&d, buf, len)) != 0)
		return rc;
	dec_bytes(&d, c->request_id, CAIRN_MSG_ID_BYTES);
	sent = dec_u8(&d);
	state = dec_u8(&d);
	dec_str(&d, c->function, sizeof(c->function));
	dec_str(&d, c->peer_org, sizeof(c->peer_org));
	dec_str(&d, c->peer_function, sizeof(c->peer_function));
	c->created_ms = (int64_t)dec_u64(&d);
	c->delivered_ms = (int64_t)dec_u64(&d);
	c->due_ms = (int64_t)dec_u64(&d);
	c->guarantee_days = dec_u32(&d);
	dec_str(&d, c->contact_by, sizeof(c->contact_by));
	c->channel = dec_u8(&d);
	dec_str(&d, c->redirect_org, sizeof(c->redirect_org));
	dec_str(&d, c->redirect_function, sizeof(c->redirect_function));
	c->updated_ms = (int64_t)dec_u64(&d);
	if ((rc = dec_close(&d)) != 0)
		goto fail;
	rc = CAIRN_ECORRUPT;
	if (sent > 1 || memcmp(c->request_id, id, CAIRN_MSG_ID_BYTES) != 0)
		goto fail;
	c->sent = sent;
	c->state = (enum cairn_storefmt_case_state)state;
	if (check_case(c) != 0)
		goto fail;
	return 0;
fail:
	memset(c, 0, sizeof(*c));
	return rc;
}

/* --- blobs --- */

size_t
cairn_storefmt_blob_size(size_t prelen, size_t len)
{
	if (len > UINT32_MAX || prelen > SIZE_MAX - (1 + 4 + CSUM_BYTES) ||
	    len > SIZE_MAX - (1 + 4 + CSUM_BYTES) - prelen)
		return 0;
	return 1 + prelen + 4 + len + CSUM_BYTES;
}

void
cairn_storefmt_blob_write(uint8_t *dst, const uint8_t *pre, size_t prelen,
    const uint8_t *buf, size_t len)
{
	struct iovec iov;

	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	cairn_storefmt_blob_writev(dst, pre, prelen, &iov, 1);
}

void
cairn_storefmt_blob_writev(uint8_t *dst, const uint8_t *pre, size_t prelen,
    const struct iovec *iov, size_t n)
{
	size_t	head = 1 + prelen + 4, len = 0, i;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	dst[0] = VERSION;
	if (prelen > 0)
		memcpy(dst + 1, pre, prelen);
	put_le(dst + 1 + prelen, len, 4);
	for (len = 0, i = 0; i < n; i++) {
		if (iov[i].iov_len > 0)
			memcpy(dst + head + len, iov[i].iov_base,
			    iov[i].iov_len);
		len += iov[i].iov_len;
	}
	cairn_sig_hash(dst + head + len, dst, head + len);
}

int
cairn_storefmt_blob_open(const uint8_t *val, size_t vlen, uint8_t *pre,
    size_t prelen, const uint8_t **data, size_t *len)
{
	struct dec d;
	size_t	 n;
	int	 rc;

	*data = NULL;
	*len = 0;
	if ((rc = dec_open(&d, val, vlen)) != 0)
		return rc;
	dec_bytes(&d, pre, prelen);
	n = dec_u32(&d);
	if (d.bad || n != d.len - d.off)
		return CAIRN_ECORRUPT;
	*data = d.p + d.off;
	*len = n;
	return 0;
}

void
cairn_storefmt_dedup_pre(uint8_t pre[static CAIRN_STOREFMT_DEDUP_PRE_BYTES],
    int64_t expires_ms)
{
	put_le(pre, (uint64_t)expires_ms, CAIRN_STOREFMT_DEDUP_PRE_BYTES);
}

/* --- meta --- */

void
cairn_storefmt_u64_encode(uint8_t buf[static CAIRN_STOREFMT_U64_BYTES],
    uint64_t value)
{
	struct enc e = { buf, CAIRN_STOREFMT_U64_BYTES, 0, false };

	enc_u8(&e, VERSION);
	enc_u64(&e, value);
	/* The buffer fits exactly, so sealing cannot overflow. */
	(void)enc_seal(&e);
}

int
cairn_storefmt_u64_decode(uint64_t *value, const uint8_t *buf, size_t len)
{
	struct dec d;
	uint64_t x;
	int	 rc;

	if ((rc = dec_open(&d, buf, len)) != 0)
		return rc;
	x = dec_u64(&d);
	if ((rc = dec_close(&d)) != 0)
		return rc;
	*value = x;
	return 0;
}

int
cairn_storefmt_format_check(const uint8_t *buf, size_t len)
{
	uint64_t format;
	int	 rc;

	if ((rc = cairn_storefmt_u64_decode(&format, buf, len)) != 0)
		return rc;
	return format == CAIRN_STOREFMT_FORMAT ? 0 : CAIRN_EVERSION;
}

void
cairn_storefmt_head_encode(uint8_t buf[static CAIRN_STOREFMT_HEAD_BYTES],
    uint64_t seq, const uint8_t hash[static CAIRN_HASH_BYTES])
{
	struct enc e = { buf, CAIRN_STOREFMT_HEAD_BYTES, 0, false };

	enc_u8(&e, VERSION);
	enc_u64(&e, seq);
	enc_bytes(&e, hash, CAIRN_HASH_BYTES);
	(void)enc_seal(&e);
}

int
cairn_storefmt_head_decode(uint64_t *seq,
    uint8_t hash[static CAIRN_HASH_BYTES], const uint8_t *buf, size_t len)
{
	struct dec d;
	uint64_t x;
	int	 rc;

	*seq = 0;
	memset(hash, 0, CAIRN_HASH_BYTES);
	if ((rc = dec_open(&d, buf, len)) != 0)
		return rc;
	x = dec_u64(&d);
	dec_bytes(&d, hash, CAIRN_HASH_BYTES);
	if (dec_close(&d) != 0 || x == 0) {
		memset(hash, 0, CAIRN_HASH_BYTES);
		return CAIRN_ECORRUPT;
	}
	*seq = x;
	return 0;
}

/* --- keys --- */

void
cairn_storefmt_seq_key(uint8_t k[static CAIRN_STOREFMT_SEQ_KEY_BYTES],
    uint64_t seq)
{
	put_be64(k, seq);
}

int
cairn_storefmt_seq_key_parse(uint64_t *seq, const uint8_t *k, size_t klen)
{
	if (klen != CAIRN_STOREFMT_SEQ_KEY_BYTES)
		return CAIRN_ECORRUPT;
	*seq = get_be64(k);
	return 0;
}

void
cairn_storefmt_sched_key(uint8_t k[static CAIRN_STOREFMT_SCHED_KEY_BYTES],
    int64_t when, const uint8_t id[static CAIRN_MSG_ID_BYTES])
{
	put_be64(k, (uint64_t)when);
	memcpy(k + 8, id, CAIRN_MSG_ID_BYTES);
}

int
cairn_storefmt_sched_key_parse(int64_t *when, const uint8_t **id,
    const uint8_t *k, size_t klen)
{
	if (klen != CAIRN_STOREFMT_SCHED_KEY_BYTES)
		return CAIRN_ECORRUPT;
	*when = (int64_t)get_be64(k);
	*id = k + 8;
	return 0;
}

/* --- checkpoints --- */

int
cairn_storefmt_checkpoint_decode(struct cairn_audit_checkpoint *cp,
    const uint8_t *k, size_t klen, const uint8_t *buf, size_t len)
{
	uint64_t seq;
	int	 rc;

	if ((rc = cairn_audit_checkpoint_open(cp, buf, len)) != 0)
		return rc;
	if (cairn_storefmt_seq_key_parse(&seq, k, klen) != 0 ||
	    seq != cp->seq) {
		memset(cp, 0, sizeof(*cp));
		return CAIRN_ECORRUPT;
	}
	return 0;
}
