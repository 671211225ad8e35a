/* SPDX-License-Identifier: MIT */
/*
 * The address book on the wire: encoding and decoding between the plain C
 * structs below and the AddressBook / SignedAddressBook protobuf messages.
 *
 * This module only converts and checks shapes (exact key lengths, well
 * formed ids, bounded strings, no duplicates).  Signing, verifying against
 * the federation key, rollback and expiry are keys/book.c's job.
 */
#ifndef CAIRN_PROTO_BOOKWIRE_H
#define CAIRN_PROTO_BOOKWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define CAIRN_BOOK_MAX_BYTES	(16u * 1024 * 1024)
#define CAIRN_BOOK_MAX_ORGS	20000
#define CAIRN_BOOK_MAX_KEYS	8	/* per kind, per organisation */
#define CAIRN_BOOK_MAX_FUNCTIONS 64	/* per organisation */
#define CAIRN_NAME_MAX		200	/* display name, bytes */
#define CAIRN_ENDPOINT_MAX	255

struct cairn_pubkey {
	uint8_t		key_id[CAIRN_KEY_ID_BYTES];
	uint8_t		pk[32];
	int64_t		valid_from_ms;
	int64_t		valid_until_ms;
};

struct cairn_function {
	char		name[CAIRN_FUNCTION_MAX + 1];
	uint32_t	accepts;	/* CAIRN_KIND_BIT(kind) mask */
	uint32_t	guarantee_days;
};

struct cairn_org {
	char		id[CAIRN_ORG_ID_MAX + 1];
	char		name[CAIRN_NAME_MAX + 1];
	char		orgnr[11];	/* "" or 10 digits */
	char		endpoint[CAIRN_ENDPOINT_MAX + 1];
	struct cairn_pubkey sign_keys[CAIRN_BOOK_MAX_KEYS];
	size_t		nsign_keys;
	struct cairn_pubkey box_keys[CAIRN_BOOK_MAX_KEYS];
	size_t		nbox_keys;
	uint8_t		curve_pk[CAIRN_CURVE_KEY_BYTES];
	struct cairn_function *functions;
	size_t		nfunctions;
};

struct cairn_bookdata {
	uint64_t	serial;
	int64_t		issued_ms;
	int64_t		expires_ms;
	struct cairn_org *orgs;
	size_t		norgs;
};

/*
 * Encodes book as AddressBook bytes.  *out is malloc'ed, caller frees.
 * book must pass the same checks as cairn_bookwire_decode() applies.
 * Returns 0, CAIRN_EINVAL (shape check failed, duplicates included),
 * CAIRN_ETOOBIG (more than CAIRN_BOOK_MAX_BYTES), or -ENOMEM.
 */
int	cairn_bookwire_encode(const struct cairn_bookdata *book, uint8_t **out,
	    size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Decodes AddressBook bytes and checks every field's shape: ids, function
 * names, key lengths and key ids (key_id must equal cairn_sig_keyid(pk)),
 * orgnr, endpoint, no duplicate organisation or function, counts within
 * the CAIRN_BOOK_MAX_* limits.  *out is freed with cairn_bookwire_free().
 *
 * In detail: the bytes are unpacked with an allocation budget (16 times
 * their size plus 64 KiB; CAIRN_EMALFORMED beyond it) and must be exactly
 * the encoding this module produces (no unknown, repeated or reordered
 * fields, no NUL inside a string; else CAIRN_EMALFORMED).  Every
 * organisation has 1 to CAIRN_BOOK_MAX_KEYS signing and encryption keys
 * with valid_from < valid_until, a 32-byte CURVE key and a non-empty
 * single-line name (CAIRN_EFIELD / CAIRN_ESTRING); kinds are
 * 1..CAIRN_KIND_MAX and listed once; guarantee_days is at most 365 and
 * non-zero when the function accepts consultation requests (CAIRN_EFIELD);
 * "admin" and "auditor" are reserved function names (CAIRN_EFUNCTION).
 * Duplicates refused with CAIRN_EBOOKDUP: an organisation id, a function
 * within an organisation, a CURVE key or a signing key id across the book,
 * an encryption key id within an organisation.  issued_ms < expires_ms
 * (CAIRN_EFIELD).
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EFIELD, CAIRN_EORGID,
 * CAIRN_EFUNCTION, CAIRN_EORGNR, CAIRN_EENDPOINT, CAIRN_ESTRING,
 * CAIRN_EBOOKDUP, or -ENOMEM.
 */
int	cairn_bookwire_decode(struct cairn_bookdata **out, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/* Frees a book from cairn_bookwire_decode(); NULL is allowed. */
void	cairn_bookwire_free(struct cairn_bookdata *book);

/*
 * Wraps signed AddressBook bytes as SignedAddressBook bytes.  *out is
 * malloc'ed.  Returns 0, CAIRN_EINVAL (booklen is 0), CAIRN_ETOOBIG (the
 * result would exceed CAIRN_BOOK_MAX_BYTES) or -ENOMEM.
 */
int	cairn_bookwire_wrap(const uint8_t *book, size_t booklen,
	    const uint8_t sig[static CAIRN_SIG_BYTES],
	    const uint8_t key_id[static CAIRN_KEY_ID_BYTES], uint8_t **out,
	    size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Unwraps SignedAddressBook bytes: checks size, parses (canonical encoding
 * only, as for decode), checks field lengths (book non-empty, signature
 * CAIRN_SIG_BYTES, key id CAIRN_KEY_ID_BYTES).  *book points into a
 * malloc'ed copy the caller frees (*book is the start of that
 * allocation).  Signature and key id are copied out.
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EFIELD, or -ENOMEM.
 */
int	cairn_bookwire_unwrap(const uint8_t *buf, size_t len, uint8_t **book,
	    size_t *booklen, uint8_t sig[static CAIRN_SIG_BYTES],
	    uint8_t key_id[static CAIRN_KEY_ID_BYTES]) CAIRN_MUSTCHECK;

#endif
