/* SPDX-License-Identifier: MIT */
/*
 * Validation of the values cairn accepts from users, files and peers:
 * organisation ids, function names, functional addresses, Swedish
 * organisation numbers, Swedish personal identity and coordination
 * numbers, dates, endpoints and bounded UTF-8 strings.
 *
 * Pure functions: no allocation, no I/O, no logging.
 */
#ifndef CAIRN_PROTO_VALIDATE_H
#define CAIRN_PROTO_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"

#define CAIRN_ORG_ID_MAX	63	/* [a-z0-9][a-z0-9.-]{0,62} */
#define CAIRN_FUNCTION_MAX	63	/* [a-z0-9][a-z0-9._-]{0,62} */
#define CAIRN_ADDRESS_MAX	(CAIRN_ORG_ID_MAX + 1 + CAIRN_FUNCTION_MAX)
#define CAIRN_PNR_BYTES		13	/* normalised YYYYMMDDNNNC + NUL */

/*
 * Organisation id: lowercase [a-z0-9][a-z0-9.-]{0,62}, not ending in '.'
 * or '-', no "..".  Returns 0 or CAIRN_EORGID.
 */
int	cairn_valid_org_id(const char *id) CAIRN_MUSTCHECK;

/*
 * Function name: lowercase [a-z0-9][a-z0-9._-]{0,62}.
 * Returns 0 or CAIRN_EFUNCTION.
 */
int	cairn_valid_function(const char *name) CAIRN_MUSTCHECK;

/*
 * Splits "ORG/FUNCTION" into org (CAIRN_ORG_ID_MAX + 1 bytes) and
 * function (CAIRN_FUNCTION_MAX + 1 bytes), validating both.
 * Returns 0, CAIRN_EADDRESS (no single '/', empty or too long part),
 * CAIRN_EORGID or CAIRN_EFUNCTION.
 */
int	cairn_valid_address(const char *addr, char *org, char *function)
	    CAIRN_MUSTCHECK;

/*
 * Swedish organisation number: 10 digits, optionally "NNNNNN-NNNN";
 * third digit >= 2; Luhn checksum over all ten digits.  If out is not NULL
 * it receives the 10 digits without the dash (11 bytes).
 * Returns 0 or CAIRN_EORGNR.
 */
int	cairn_valid_orgnr(const char *s, char *out) CAIRN_MUSTCHECK;

/*
 * Swedish personal identity number (personnummer) or coordination number
 * (samordningsnummer, day + 60).  Accepts YYMMDD-NNNC, YYMMDD+NNNC (+ means
 * 100 years or older), YYMMDDNNNC, YYYYMMDD-NNNC and YYYYMMDDNNNC.  The
 * date must exist (leap years included) and not lie in the future relative
 * to now_ms; for 10-digit forms the century is inferred from now_ms and
 * the separator.  The Luhn check runs over the 10-digit form.  If out is
 * not NULL it receives the normalised 12-digit form (CAIRN_PNR_BYTES).
 * Returns 0, CAIRN_EPNR (shape), CAIRN_EPNRDATE (no such date) or
 * CAIRN_EPNRCHECK (checksum).
 */
int	cairn_valid_pnr(const char *s, int64_t now_ms, char *out)
	    CAIRN_MUSTCHECK;

/*
 * Date "YYYY-MM-DD" that exists, years 1900..9999.  If days is not NULL it
 * receives the day number (days since 1970-01-01, may be negative).
 * Returns 0 or CAIRN_EDATE.
 */
int	cairn_valid_date(const char *s, int64_t *days) CAIRN_MUSTCHECK;

/*
 * Bounded text: valid UTF-8 (no overlongs, no surrogates), at most max
 * bytes, no NUL within len, no control characters except \t, \n and \r
 * when multiline is non-zero (none at all otherwise).
 * Returns 0 or CAIRN_ESTRING.
 */
int	cairn_valid_text(const char *s, size_t len, size_t max, int multiline)
	    CAIRN_MUSTCHECK;

/*
 * Endpoint "tcp://HOST:PORT": HOST an IPv4 literal, "[IPv6]" literal or a
 * DNS name of [A-Za-z0-9.-], PORT 1..65535, at most CAIRN_ENDPOINT_MAX
 * (255) bytes.  Returns 0 or CAIRN_EENDPOINT.
 */
int	cairn_valid_endpoint(const char *s) CAIRN_MUSTCHECK;

#endif
