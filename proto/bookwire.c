/* SPDX-License-Identifier: MIT */
/*
 * The address book on the wire (see bookwire.h): AddressBook and
 * SignedAddressBook bytes to and from struct cairn_bookdata.
 *
 * Decoding is size check, bounded unpack, canonical-encoding check, copy
 * into fixed-size fields, then the same shape check that encoding runs.
 * Nothing here knows about signatures, expiry or rollback.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bookwire.h"
#include "proto/cairn.pb-c.h"
#include "proto/pbutil.h"
#include "proto/kind.h"

/*
 * Allocation budgets for unpacking, as a multiple of the input size.  A
 * typical book takes 3 to 4 times its wire size unpacked; the most
 * expensive legitimate shape (organisations with 64 one-letter functions
 * each) about 14 times, because every small message costs a struct and a
 * few blocks.  A SignedAddressBook is three byte strings, copied once.
 */
#define BOOK_BUDGET_FACTOR	16
#define WRAP_BUDGET_FACTOR	2
#define GUARANTEE_DAYS_MAX	365
#define KINDS_MASK		(((1u << (CAIRN_KIND_MAX + 1)) - 1) & ~1u)

struct keyref {
	uint8_t		id[CAIRN_KEY_ID_BYTES];
};

static int	 canonical(const ProtobufCMessage *, const uint8_t *, size_t);
static int	 key_from_wire(struct cairn_pubkey *,
		    const Cairn__V1__PublicKey *);
static int	 keys_from_wire(struct cairn_pubkey *, size_t *,
		    Cairn__V1__PublicKey **, size_t);
static int	 fn_from_wire(struct cairn_function *,
		    const Cairn__V1__Function *);
static int	 org_from_wire(struct cairn_org *,
		    const Cairn__V1__Organisation *);
static int	 copy_str(char *, size_t, const char *);
static int	 check_key(const struct cairn_pubkey *);
static int	 check_keys(const struct cairn_pubkey *, size_t);
static int	 check_function(const struct cairn_function *);
static int	 check_org(const struct cairn_org *);
static int	 check_dups(const struct cairn_bookdata *);
static int	 check_book(const struct cairn_bookdata *);
static int	 cmp_id(const void *, const void *);
static int	 cmp_curve(const void *, const void *);
static int	 cmp_keyref(const void *, const void *);
static void	 key_to_wire(Cairn__V1__PublicKey *,
		    const struct cairn_pubkey *);
static int	 unknown_fields(const Cairn__V1__AddressBook *);

/*
 * Refuses any encoding other than the one we produce: unknown, repeated or
 * reordered fields, explicit defaults, and strings with an embedded NUL
 * (which would otherwise be cut short without notice).
 */
static int
canonical(const ProtobufCMessage *msg, const uint8_t *buf, size_t len)
{
	uint8_t	*re;
	int	 rc;

	if (protobuf_c_message_get_packed_size(msg) != len)
		return CAIRN_EMALFORMED;
	if (len == 0)
		return 0;
	if ((re = malloc(len)) == NULL)
		return -ENOMEM;
	if (protobuf_c_message_pack(msg, re) != len)
		rc = CAIRN_EMALFORMED;
	else
		rc = memcmp(re, buf, len) == 0 ? 0 : CAIRN_EMALFORMED;
	free(re);
	return rc;
}

/* Fields this version does not know are not silently carried along. */
static int
unknown_fields(const Cairn__V1__AddressBook *w)
{
	const Cairn__V1__Organisation	*o;
	size_t				 i, j;

	if (w->base.n_unknown_fields != 0)
		return 1;
	for (i = 0; i < w->n_organisations; i++) {
		o = w->organisations[i];
		if (o->base.n_unknown_fields != 0)
			return 1;
		for (j = 0; j < o->n_sign_keys; j++)
			if (o->sign_keys[j]->base.n_unknown_fields != 0)
				return 1;
		for (j = 0; j < o->n_box_keys; j++)
			if (o->box_keys[j]->base.n_unknown_fields != 0)
				return 1;
		for (j = 0; j < o->n_functions; j++)
			if (o->functions[j]->base.n_unknown_fields != 0)
				return 1;
	}
	return 0;
}

static int
copy_str(char *dst, size_t size, const char *src)
{
	size_t	n;

	n = strlen(src);
	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int
key_from_wire(struct cairn_pubkey *k, const Cairn__V1__PublicKey *w)
{
	if (w->key_id.len != CAIRN_KEY_ID_BYTES || w->pk.len != sizeof(k->pk))
		return CAIRN_EFIELD;
	memcpy(k->key_id, w->key_id.data, CAIRN_KEY_ID_BYTES);
	memcpy(k->pk, w->pk.data, sizeof(k->pk));
	k->valid_from_ms = w->valid_from_ms;
	k->valid_until_ms = w->valid_until_ms;
	return 0;
}

static int
keys_from_wire(struct cairn_pubkey *keys, size_t *nkeys,
    Cairn__V1__PublicKey **w, size_t n)
{
	size_t	i;
	int	rc;

	if (n == 0 || n > CAIRN_BOOK_MAX_KEYS)
		return CAIRN_EFIELD;
	for (i = 0; i < n; i++)
		if ((rc = key_from_wire(&keys[i], w[i])) != 0)
			return rc;
	*nkeys = n;
	return 0;
}

static int
fn_from_wire(struct cairn_function *f, const Cairn__V1__Function *w)
{
	size_t	i;
	int	k;

	if (copy_str(f->name, sizeof(f->name), w->name) != 0)
		return CAIRN_EFUNCTION;
	if (w->n_accepts > CAIRN_KIND_MAX)
		return CAIRN_EFIELD;
	f->accepts = 0;
	for (i = 0; i < w->n_accepts; i++) {
		k = (int)w->accepts[i];
		if (k < 1 || k > CAIRN_KIND_MAX ||
		    (f->accepts & CAIRN_KIND_BIT(k)))
			return CAIRN_EFIELD;
		/* encode writes kinds in ascending order; accept only that */
		if (f->accepts >= CAIRN_KIND_BIT(k))
			return CAIRN_EMALFORMED;
		f->accepts |= CAIRN_KIND_BIT(k);
	}
	f->guarantee_days = w->guarantee_days;
	return 0;
}

static int
org_from_wire(struct cairn_org *o, const Cairn__V1__Organisation *w)
{
	size_t	i;
	int	rc;

	if (copy_str(o->id, sizeof(o->id), w->id) != 0)
		return CAIRN_EORGID;
	if (copy_str(o->name, sizeof(o->name), w->name) != 0)
		return CAIRN_ESTRING;
	if (copy_str(o->orgnr, sizeof(o->orgnr), w->orgnr) != 0)
		return CAIRN_EORGNR;
	if (copy_str(o->endpoint, sizeof(o->endpoint), w->endpoint) != 0)
		return CAIRN_EENDPOINT;
	if ((rc = keys_from_wire(o->sign_keys, &o->nsign_keys, w->sign_keys,
	    w->n_sign_keys)) != 0)
		return rc;
	if ((rc = keys_from_wire(o->box_keys, &o->nbox_keys, w->box_keys,
	    w->n_box_keys)) != 0)
		return rc;
	if (w->curve_pk.len != sizeof(o->curve_pk))
		return CAIRN_EFIELD;
	memcpy(o->curve_pk, w->curve_pk.data, sizeof(o->curve_pk));
	if (w->n_functions > CAIRN_BOOK_MAX_FUNCTIONS)
		return CAIRN_EFIELD;
	if (w->n_functions > 0) {
		o->functions = calloc(w->n_functions, sizeof(*o->functions));
		if (o->functions == NULL)
			return -ENOMEM;
		o->nfunctions = w->n_functions;
		for (i = 0; i < w->n_functions; i++)
			if ((rc = fn_from_wire(&o->functions[i],
			    w->functions[i])) != 0)
				return rc;
	}
	return 0;
}

static int
check_key(const struct cairn_pubkey *k)
{
	uint8_t	id[CAIRN_KEY_ID_BYTES];

	cairn_sig_keyid(id, k->pk);
	if (memcmp(id, k->key_id, sizeof(id)) != 0)
		return CAIRN_EFIELD;
	if (k->valid_from_ms >= k->valid_until_ms)
		return CAIRN_EFIELD;
	return 0;
}

static int
check_keys(const struct cairn_pubkey *keys, size_t n)
{
	size_t	i, j;
	int	rc;

	if (n == 0 || n > CAIRN_BOOK_MAX_KEYS)
		return CAIRN_EFIELD;
	for (i = 0; i < n; i++)
		if ((rc = check_key(&keys[i])) != 0)
			return rc;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (memcmp(keys[i].key_id, keys[j].key_id,
			    CAIRN_KEY_ID_BYTES) == 0)
				return CAIRN_EBOOKDUP;
	return 0;
}

static int
check_function(const struct cairn_function *f)
{
	if (memchr(f->name, '\0', sizeof(f->name)) == NULL ||
	    cairn_valid_function(f->name) != 0)
		return CAIRN_EFUNCTION;
	if (strcmp(f->name, "admin") == 0 || strcmp(f->name, "auditor") == 0)
		return CAIRN_EFUNCTION;
	if (f->accepts & ~KINDS_MASK)
		return CAIRN_EFIELD;
	if (f->guarantee_days > GUARANTEE_DAYS_MAX)
		return CAIRN_EFIELD;
	if ((f->accepts & CAIRN_KIND_BIT(CAIRN_KIND_REQUEST)) &&
	    f->guarantee_days == 0)
		return CAIRN_EFIELD;
	return 0;
}

static int
check_org(const struct cairn_org *o)
{
	size_t	i, j, n;
	int	rc;

	if (memchr(o->id, '\0', sizeof(o->id)) == NULL ||
	    cairn_valid_org_id(o->id) != 0)
		return CAIRN_EORGID;
	if (memchr(o->name, '\0', sizeof(o->name)) == NULL)
		return CAIRN_ESTRING;
	if ((n = strlen(o->name)) == 0)
		return CAIRN_EFIELD;
	if (cairn_valid_text(o->name, n, CAIRN_NAME_MAX, 0) != 0)
		return CAIRN_ESTRING;
	if (memchr(o->orgnr, '\0', sizeof(o->orgnr)) == NULL)
		return CAIRN_EORGNR;
	if (o->orgnr[0] != '\0' && (strlen(o->orgnr) != 10 ||
	    cairn_valid_orgnr(o->orgnr, NULL) != 0))
		return CAIRN_EORGNR;
	if (memchr(o->endpoint, '\0', sizeof(o->endpoint)) == NULL ||
	    cairn_valid_endpoint(o->endpoint) != 0)
		return CAIRN_EENDPOINT;
	if ((rc = check_keys(o->sign_keys, o->nsign_keys)) != 0)
		return rc;
	if ((rc = check_keys(o->box_keys, o->nbox_keys)) != 0)
		return rc;
	if (o->nfunctions > CAIRN_BOOK_MAX_FUNCTIONS ||
	    (o->nfunctions > 0 && o->functions == NULL))
		return CAIRN_EFIELD;
	for (i = 0; i < o->nfunctions; i++)
		if ((rc = check_function(&o->functions[i])) != 0)
			return rc;
	for (i = 0; i < o->nfunctions; i++)
		for (j = i + 1; j < o->nfunctions; j++)
			if (strcmp(o->functions[i].name,
			    o->functions[j].name) == 0)
				return CAIRN_EBOOKDUP;
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	const struct cairn_org *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

static int
cmp_curve(const void *a, const void *b)
{
	const struct cairn_org *const *x = a, *const *y = b;

	return memcmp((*x)->curve_pk, (*y)->curve_pk, CAIRN_CURVE_KEY_BYTES);
}

static int
cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;

	return memcmp(x->id, y->id, CAIRN_KEY_ID_BYTES);
}

/*
 * Across organisations: ids, CURVE keys (the ZAP handler maps a CURVE key
 * to exactly one organisation) and signing key ids (a signature names
 * exactly one signer) must be unique.
 */
static int
check_dups(const struct cairn_bookdata *book)
{
	const struct cairn_org **idx = NULL;
	struct keyref	*refs = NULL;
	size_t		 i, j, nrefs = 0;
	int		 rc = 0;

	if (book->norgs < 2)
		return 0;
	if ((idx = calloc(book->norgs, sizeof(*idx))) == NULL ||
	    (refs = calloc(book->norgs, CAIRN_BOOK_MAX_KEYS *
	    sizeof(*refs))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < book->norgs; i++) {
		idx[i] = &book->orgs[i];
		for (j = 0; j < book->orgs[i].nsign_keys; j++)
			memcpy(refs[nrefs++].id,
			    book->orgs[i].sign_keys[j].key_id,
			    CAIRN_KEY_ID_BYTES);
	}
	qsort(idx, book->norgs, sizeof(*idx), cmp_id);
	for (i = 1; i < book->norgs; i++)
		if (cmp_id(&idx[i - 1], &idx[i]) == 0) {
			rc = CAIRN_EBOOKDUP;
			goto out;
		}
	qsort(idx, book->norgs, sizeof(*idx), cmp_curve);
	for (i = 1; i < book->norgs; i++)
		if (cmp_curve(&idx[i - 1], &idx[i]) == 0) {
			rc = CAIRN_EBOOKDUP;
			goto out;
		}
	qsort(refs, nrefs, sizeof(*refs), cmp_keyref);
	for (i = 1; i < nrefs; i++)
		if (cmp_keyref(&refs[i - 1], &refs[i]) == 0) {
			rc = CAIRN_EBOOKDUP;
			goto out;
		}
out:
	free(refs);
	free(idx);
	return rc;
}

static int
check_book(const struct cairn_bookdata *book)
{
	size_t	i;
	int	rc;

	if (book->issued_ms >= book->expires_ms)
		return CAIRN_EFIELD;
	if (book->norgs > CAIRN_BOOK_MAX_ORGS ||
	    (book->norgs > 0 && book->orgs == NULL))
		return CAIRN_EFIELD;
	for (i = 0; i < book->norgs; i++)
		if ((rc = check_org(&book->orgs[i])) != 0)
			return rc;
	return check_dups(book);
}

int
cairn_bookwire_decode(struct cairn_bookdata **out, const uint8_t *buf,
    size_t len)
{
	Cairn__V1__AddressBook	*w = NULL;
	struct cairn_bookdata	*book = NULL;
	struct cairn_pb_budget	 b;
	size_t			 i;
	int			 rc;

	*out = NULL;
	if (len > CAIRN_BOOK_MAX_BYTES)
		return CAIRN_ETOOBIG;
	w = (Cairn__V1__AddressBook *)cairn_pb_unpack_factor(
	    &cairn__v1__address_book__descriptor, &b, buf, len,
	    BOOK_BUDGET_FACTOR);
	if (w == NULL)
		return b.nomem ? -ENOMEM : CAIRN_EMALFORMED;
	if (unknown_fields(w)) {
		rc = CAIRN_EMALFORMED;
		goto out;
	}
	if ((rc = canonical(&w->base, buf, len)) != 0)
		goto out;
	if (w->n_organisations > CAIRN_BOOK_MAX_ORGS) {
		rc = CAIRN_EFIELD;
		goto out;
	}
	if ((book = calloc(1, sizeof(*book))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	book->serial = w->serial;
	book->issued_ms = w->issued_ms;
	book->expires_ms = w->expires_ms;
	if (w->n_organisations > 0) {
		book->orgs = calloc(w->n_organisations, sizeof(*book->orgs));
		if (book->orgs == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		book->norgs = w->n_organisations;
	}
	for (i = 0; i < book->norgs; i++)
		if ((rc = org_from_wire(&book->orgs[i],
		    w->organisations[i])) != 0)
			goto out;
	if ((rc = check_book(book)) != 0)
		goto out;
	*out = book;
	book = NULL;
out:
	cairn_bookwire_free(book);
	cairn_pb_free((ProtobufCMessage *)w, &b);
	return rc;
}

void
cairn_bookwire_free(struct cairn_bookdata *book)
{
	size_t	i;

	if (book == NULL)
		return;
	for (i = 0; i < book->norgs; i++)
		free(book->orgs[i].functions);
	free(book->orgs);
	free(book);
}

static void
key_to_wire(Cairn__V1__PublicKey *w, const struct cairn_pubkey *k)
{
	cairn__v1__public_key__init(w);
	w->key_id.data = (uint8_t *)k->key_id;
	w->key_id.len = CAIRN_KEY_ID_BYTES;
	w->pk.data = (uint8_t *)k->pk;
	w->pk.len = sizeof(k->pk);
	w->valid_from_ms = k->valid_from_ms;
	w->valid_until_ms = k->valid_until_ms;
}

/*
 * The wire structs for one organisation, kept together so that encoding
 * needs one allocation per organisation plus one for its functions.
 */
struct enc_fn {
	Cairn__V1__Function	 msg;
	Cairn__V1__Kind		 kinds[CAIRN_KIND_MAX];
	Cairn__V1__Function	*ptr;
};

struct enc_org {
	Cairn__V1__Organisation	 msg;
	Cairn__V1__PublicKey	 sign[CAIRN_BOOK_MAX_KEYS];
	Cairn__V1__PublicKey	*signp[CAIRN_BOOK_MAX_KEYS];
	Cairn__V1__PublicKey	 box[CAIRN_BOOK_MAX_KEYS];
	Cairn__V1__PublicKey	*boxp[CAIRN_BOOK_MAX_KEYS];
	struct enc_fn		*fns;
	Cairn__V1__Function	**fnp;
};

int
cairn_bookwire_encode(const struct cairn_bookdata *book, uint8_t **out,
    size_t *outlen)
{
	Cairn__V1__AddressBook	  w = CAIRN__V1__ADDRESS_BOOK__INIT;
	struct enc_org		 *eo = NULL;
	Cairn__V1__Organisation	**orgp = NULL;
	const struct cairn_org	 *o;
	struct enc_fn		 *ef;
	uint8_t			 *buf = NULL;
	size_t			  i, j, len;
	int			  k, rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = check_book(book)) != 0)
		return rc == -ENOMEM ? rc : CAIRN_EINVAL;
	w.serial = book->serial;
	w.issued_ms = book->issued_ms;
	w.expires_ms = book->expires_ms;
	if (book->norgs > 0) {
		if ((eo = calloc(book->norgs, sizeof(*eo))) == NULL ||
		    (orgp = calloc(book->norgs, sizeof(*orgp))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < book->norgs; i++) {
		o = &book->orgs[i];
		cairn__v1__organisation__init(&eo[i].msg);
		eo[i].msg.id = (char *)o->id;
		eo[i].msg.name = (char *)o->name;
		eo[i].msg.orgnr = (char *)o->orgnr;
		eo[i].msg.endpoint = (char *)o->endpoint;
		for (j = 0; j < o->nsign_keys; j++) {
			key_to_wire(&eo[i].sign[j], &o->sign_keys[j]);
			eo[i].signp[j] = &eo[i].sign[j];
		}
		eo[i].msg.n_sign_keys = o->nsign_keys;
		eo[i].msg.sign_keys = eo[i].signp;
		for (j = 0; j < o->nbox_keys; j++) {
			key_to_wire(&eo[i].box[j], &o->box_keys[j]);
			eo[i].boxp[j] = &eo[i].box[j];
		}
		eo[i].msg.n_box_keys = o->nbox_keys;
		eo[i].msg.box_keys = eo[i].boxp;
		eo[i].msg.curve_pk.data = (uint8_t *)o->curve_pk;
		eo[i].msg.curve_pk.len = sizeof(o->curve_pk);
		if (o->nfunctions > 0) {
			eo[i].fns = calloc(o->nfunctions, sizeof(*eo[i].fns));
			eo[i].fnp = calloc(o->nfunctions, sizeof(*eo[i].fnp));
			if (eo[i].fns == NULL || eo[i].fnp == NULL) {
				rc = -ENOMEM;
				goto out;
			}
		}
		for (j = 0; j < o->nfunctions; j++) {
			ef = &eo[i].fns[j];
			cairn__v1__function__init(&ef->msg);
			ef->msg.name = (char *)o->functions[j].name;
			for (k = 1; k <= CAIRN_KIND_MAX; k++)
				if (o->functions[j].accepts &
				    CAIRN_KIND_BIT(k))
					ef->kinds[ef->msg.n_accepts++] =
					    (Cairn__V1__Kind)k;
			ef->msg.accepts = ef->kinds;
			ef->msg.guarantee_days =
			    o->functions[j].guarantee_days;
			eo[i].fnp[j] = &ef->msg;
		}
		eo[i].msg.n_functions = o->nfunctions;
		eo[i].msg.functions = eo[i].fnp;
		orgp[i] = &eo[i].msg;
	}
	w.n_organisations = book->norgs;
	w.organisations = orgp;
	len = cairn__v1__address_book__get_packed_size(&w);
	if (len > CAIRN_BOOK_MAX_BYTES) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	if ((buf = malloc(len > 0 ? len : 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (cairn__v1__address_book__pack(&w, buf) != len) {
		rc = CAIRN_EINVAL;
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (eo != NULL)
		for (i = 0; i < book->norgs; i++) {
			free(eo[i].fnp);
			free(eo[i].fns);
		}
	free(orgp);
	free(eo);
	return rc;
}

int
cairn_bookwire_wrap(const uint8_t *book, size_t booklen,
    const uint8_t sig[static CAIRN_SIG_BYTES],
    const uint8_t key_id[static CAIRN_KEY_ID_BYTES], uint8_t **out,
    size_t *outlen)
{
	Cairn__V1__SignedAddressBook	 w;
	uint8_t				*buf;
	size_t				 len;

	cairn__v1__signed_address_book__init(&w);
	*out = NULL;
	*outlen = 0;
	if (booklen == 0)
		return CAIRN_EINVAL;
	w.book.data = (uint8_t *)book;
	w.book.len = booklen;
	w.signature.data = (uint8_t *)sig;
	w.signature.len = CAIRN_SIG_BYTES;
	w.signer_key_id.data = (uint8_t *)key_id;
	w.signer_key_id.len = CAIRN_KEY_ID_BYTES;
	len = cairn__v1__signed_address_book__get_packed_size(&w);
	if (len > CAIRN_BOOK_MAX_BYTES)
		return CAIRN_ETOOBIG;
	if ((buf = malloc(len)) == NULL)
		return -ENOMEM;
	if (cairn__v1__signed_address_book__pack(&w, buf) != len) {
		free(buf);
		return CAIRN_EINVAL;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int
cairn_bookwire_unwrap(const uint8_t *buf, size_t len, uint8_t **book,
    size_t *booklen, uint8_t sig[static CAIRN_SIG_BYTES],
    uint8_t key_id[static CAIRN_KEY_ID_BYTES])
{
	Cairn__V1__SignedAddressBook	*w;
	struct cairn_pb_budget		 b;
	uint8_t				*copy;
	int				 rc;

	*book = NULL;
	*booklen = 0;
	if (len > CAIRN_BOOK_MAX_BYTES)
		return CAIRN_ETOOBIG;
	w = (Cairn__V1__SignedAddressBook *)cairn_pb_unpack_factor(
	    &cairn__v1__signed_address_book__descriptor, &b, buf, len,
	    WRAP_BUDGET_FACTOR);
	if (w == NULL)
		return b.nomem ? -ENOMEM : CAIRN_EMALFORMED;
	if (w->base.n_unknown_fields != 0) {
		rc = CAIRN_EMALFORMED;
		goto out;
	}
	if ((rc = canonical(&w->base, buf, len)) != 0)
		goto out;
	if (w->book.len == 0 || w->signature.len != CAIRN_SIG_BYTES ||
	    w->signer_key_id.len != CAIRN_KEY_ID_BYTES) {
		rc = CAIRN_EFIELD;
		goto out;
	}
	if ((copy = malloc(w->book.len)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(copy, w->book.data, w->book.len);
	memcpy(sig, w->signature.data, CAIRN_SIG_BYTES);
	memcpy(key_id, w->signer_key_id.data, CAIRN_KEY_ID_BYTES);
	*book = copy;
	*booklen = w->book.len;
out:
	cairn_pb_free((ProtobufCMessage *)w, &b);
	return rc;
}
