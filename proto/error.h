/* SPDX-License-Identifier: MIT */
/*
 * cairn error codes.
 *
 * Every function in proto/, keys/ and libcairn that can fail returns 0 on
 * success or a negative code: either -errno for a system failure, or one of
 * the CAIRN_E* codes below (all <= -1000, so they never collide with errno).
 * cairn_strerror() turns both kinds into text.  Each distinct failure has
 * its own code so that callers and tests can tell them apart.
 */
#ifndef CAIRN_PROTO_ERROR_H
#define CAIRN_PROTO_ERROR_H

#define CAIRN_MUSTCHECK	__attribute__((warn_unused_result))

enum cairn_error {
	CAIRN_OK = 0,
	CAIRN_EFIRST = -1000,

	/* generic input */
	CAIRN_ETOOBIG = -1000,		/* input larger than its limit */
	CAIRN_ETRUNCATED = -1001,	/* input shorter than it must be */
	CAIRN_EMALFORMED = -1002,	/* does not parse */
	CAIRN_EFIELD = -1003,		/* a field is missing or has a bad length */
	CAIRN_ETRAILING = -1004,	/* trailing bytes after the input */
	CAIRN_EVERSION = -1005,		/* unsupported format version */
	CAIRN_EINVAL = -1006,		/* invalid argument */

	/* envelope and replies */
	CAIRN_EBADSIG = -1010,		/* signature does not verify */
	CAIRN_EUNKNOWNKEY = -1011,	/* signing key not known */
	CAIRN_EKEYEXPIRED = -1012,	/* key outside its validity window */
	CAIRN_EEXPIRED = -1013,		/* message has expired */
	CAIRN_EWRONGRECIPIENT = -1014,	/* message is not addressed to us */
	CAIRN_ENORECIPIENTKEY = -1015,	/* sealed to a key we do not hold */
	CAIRN_EDECRYPT = -1016,		/* ciphertext does not authenticate */
	CAIRN_EKEYMISMATCH = -1017,	/* signer key id differs from header */
	CAIRN_ESENDER = -1018,		/* sender org differs from signer */
	CAIRN_EKIND = -1019,		/* unknown or mismatched kind */
	CAIRN_EBADPAYLOAD = -1020,	/* decrypted payload is invalid */
	CAIRN_EFUTURE = -1021,		/* created too far in the future */

	/* validation of values */
	CAIRN_EORGID = -1030,		/* malformed organisation id */
	CAIRN_EFUNCTION = -1031,	/* malformed function name */
	CAIRN_EADDRESS = -1032,		/* malformed functional address */
	CAIRN_EORGNR = -1033,		/* bad organisation number */
	CAIRN_EPNR = -1034,		/* bad personal identity number */
	CAIRN_EPNRDATE = -1035,		/* identity number has no real date */
	CAIRN_EPNRCHECK = -1036,	/* identity number checksum fails */
	CAIRN_ESTRING = -1037,		/* string too long or not UTF-8 */
	CAIRN_EDATE = -1038,		/* malformed date */
	CAIRN_ECONSENT = -1039,		/* consent basis missing or invalid */
	CAIRN_EENDPOINT = -1040,	/* malformed endpoint */

	/* keys and key files */
	CAIRN_EKEYFILE = -1050,		/* key file malformed */
	CAIRN_EKEYPERM = -1051,		/* secret key file readable by others */
	CAIRN_EKEYTYPE = -1052,		/* public file where secret expected */
	CAIRN_ENOKEY = -1053,		/* no valid key for this purpose */
	CAIRN_EEXIST = -1054,		/* refusing to overwrite a file */

	/* address book */
	CAIRN_EBOOKSIG = -1060,		/* book signature does not verify */
	CAIRN_EBOOKEXPIRED = -1061,	/* book has expired */
	CAIRN_EBOOKROLLBACK = -1062,	/* book serial lower than accepted */
	CAIRN_EBOOKDUP = -1063,		/* duplicate organisation/function */
	CAIRN_EBOOKSOURCE = -1064,	/* error in the book source file */
	CAIRN_ENOTFOUND = -1065,	/* no such organisation/function */
	CAIRN_EBOOKKEY = -1066,		/* book signed by another key */

	/* daemon and client */
	CAIRN_ENOSPACE = -1080,		/* store full */
	CAIRN_ESTORE = -1081,		/* store failure */
	CAIRN_ECORRUPT = -1082,		/* stored record fails its check */
	CAIRN_EDENIED = -1083,		/* role does not allow this */
	CAIRN_ETIMEOUT = -1084,		/* no answer in time */
	CAIRN_EPROTO = -1085,		/* local protocol error */
	CAIRN_EREFUSED = -1086,		/* refused by the daemon */
	CAIRN_ESTATE = -1087,		/* not allowed in the current state */
	CAIRN_ECONFIG = -1088,		/* configuration error */
	CAIRN_ENOTACCEPTED = -1089,	/* function does not accept kind */

	CAIRN_ELAST = -1089
};

/*
 * Returns a static, human-readable string for a code returned by any cairn
 * function: CAIRN_E* codes, -errno, or 0.  Never returns NULL.
 */
const char	*cairn_strerror(int code);

#endif
