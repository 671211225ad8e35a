/* SPDX-License-Identifier: MIT */
/*
 * The address book: compiled from an operator-edited INI source, signed by
 * the federation key, verified on load, and looked up by every daemon.
 *
 * Source format (paths relative to the source file; unknown sections and
 * keys, duplicate keys and sections, and malformed values are errors
 * reported as file:line; lines are at most 197 bytes, libinih's limit, and
 * indented continuation lines are refused):
 *
 *   [org lerum.elevhalsa]
 *   name = Lerums kommun, elevhälsa
 *   orgnr = 212000-1488          ; optional, Luhn-checked
 *   endpoint = tcp://127.0.0.1:7441
 *   key = lerum.elevhalsa.pub
 *
 *   [function lerum.elevhalsa/skolskoterska]
 *   accepts = consultation-request   ; comma-separated kinds, optional
 *   guarantee_days = 3               ; required when it accepts requests
 *
 * The signed book file is SignedAddressBook bytes (see cairn.proto).
 */
#ifndef CAIRN_KEYS_BOOK_H
#define CAIRN_KEYS_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "keys/keyfile.h"
#include "proto/bookwire.h"
#include "proto/error.h"

#define CAIRN_BOOK_ERR_MAX	512

struct cairn_book;

/*
 * Compiles the source at path into AddressBook data, signs it with the
 * federation secret fed, and returns SignedAddressBook bytes in *out
 * (malloc'ed, caller frees).  issued = now_ms, expires = now_ms + valid_ms.
 * On a source error, err (if not NULL) receives "file:line: what"; only
 * the first error is reported.
 * Returns 0, CAIRN_EBOOKSOURCE, CAIRN_EBOOKDUP (a duplicate [org] or
 * [function] section, or two organisations with one CURVE key),
 * CAIRN_EKEYFILE (a listed public key file is bad; err names it),
 * CAIRN_EKEYTYPE (fed is not a federation key), CAIRN_ENOKEY, CAIRN_EINVAL
 * (valid_ms <= 0 or overflows), CAIRN_ETOOBIG (source or book too large),
 * -ENOMEM or -errno (the source, or a listed key file, cannot be read).
 */
int	cairn_book_compile(const char *source_path, uint64_t serial,
	    int64_t now_ms, int64_t valid_ms, const struct cairn_secret *fed,
	    uint8_t **out, size_t *outlen, char *err, size_t errlen)
	    CAIRN_MUSTCHECK;

/*
 * Verifies and parses SignedAddressBook bytes: size, structure, signature
 * by fed_pk (with its key id), shape of every field (bookwire), expiry
 * against now_ms, serial >= min_serial.  *out is freed with
 * cairn_book_free().
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EFIELD, CAIRN_EBOOKKEY,
 * CAIRN_EBOOKSIG, CAIRN_EBOOKEXPIRED, CAIRN_EBOOKROLLBACK, CAIRN_EBOOKDUP,
 * any shape error of cairn_bookwire_decode(), or -ENOMEM.
 */
int	cairn_book_parse(struct cairn_book **out, const uint8_t *buf,
	    size_t len, const uint8_t fed_pk[static 32], uint64_t min_serial,
	    int64_t now_ms) CAIRN_MUSTCHECK;

/*
 * Reads a book file (a regular file of at most CAIRN_BOOK_MAX_BYTES, else
 * -EINVAL or CAIRN_ETOOBIG) and calls cairn_book_parse().  Also returns
 * -errno when the file cannot be read.
 */
int	cairn_book_load(struct cairn_book **out, const char *path,
	    const uint8_t fed_pk[static 32], uint64_t min_serial,
	    int64_t now_ms) CAIRN_MUSTCHECK;

/*
 * Parses a book without checking signature or expiry, for `cairn-keys book
 * show`.  The shape checks still apply.
 */
int	cairn_book_load_unverified(struct cairn_book **out, const char *path)
	    CAIRN_MUSTCHECK;

/* Frees; NULL is allowed. */
void	cairn_book_free(struct cairn_book *book);

/* The decoded content (serial, times, organisations). */
const struct cairn_bookdata *cairn_book_data(const struct cairn_book *book);

/* The organisation with this id, or NULL. */
const struct cairn_org *cairn_book_org(const struct cairn_book *book,
	    const char *org);

/* The function ORG/FUNCTION, or NULL. */
const struct cairn_function *cairn_book_function(const struct cairn_book *book,
	    const char *org, const char *function);

/* The organisation whose CURVE public key this is, or NULL. */
const struct cairn_org *cairn_book_org_by_curve(const struct cairn_book *book,
	    const uint8_t curve_pk[static 32]);

/*
 * Finds a signing key by key id across all organisations.
 * Returns 0 (and *org, *key set) or CAIRN_EUNKNOWNKEY.
 */
int	cairn_book_sign_key(const struct cairn_book *book,
	    const uint8_t key_id[static CAIRN_KEY_ID_BYTES],
	    const struct cairn_org **org, const struct cairn_pubkey **key)
	    CAIRN_MUSTCHECK;

/*
 * The encryption key a sender should seal to: the valid key (from <= now <
 * until) of org with the latest valid_from.
 * Returns 0, CAIRN_ENOTFOUND (no such org) or CAIRN_ENOKEY.
 */
int	cairn_book_box_key(const struct cairn_book *book, const char *org,
	    int64_t now_ms, const struct cairn_pubkey **key) CAIRN_MUSTCHECK;

/* Whether key is valid at t_ms (valid_from_ms <= t_ms < valid_until_ms). */
int	cairn_book_key_valid(const struct cairn_pubkey *key, int64_t t_ms);

#endif
