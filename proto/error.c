/* SPDX-License-Identifier: MIT */
/*
 * cairn_strerror(): text for every CAIRN_E* code and for -errno.
 */
#include <string.h>

#include "proto/error.h"

static const struct {
	int		 code;
	const char	*text;
} errors[] = {
	{ CAIRN_ETOOBIG,	"input too large" },
	{ CAIRN_ETRUNCATED,	"input truncated" },
	{ CAIRN_EMALFORMED,	"malformed input" },
	{ CAIRN_EFIELD,		"missing field or field of wrong length" },
	{ CAIRN_ETRAILING,	"trailing data after input" },
	{ CAIRN_EVERSION,	"unsupported format version" },
	{ CAIRN_EINVAL,		"invalid argument" },
	{ CAIRN_EBADSIG,	"signature does not verify" },
	{ CAIRN_EUNKNOWNKEY,	"signing key not in the address book" },
	{ CAIRN_EKEYEXPIRED,	"key outside its validity period" },
	{ CAIRN_EEXPIRED,	"message has expired" },
	{ CAIRN_EWRONGRECIPIENT, "message is not addressed to this organisation" },
	{ CAIRN_ENORECIPIENTKEY, "sealed to an encryption key we do not hold" },
	{ CAIRN_EDECRYPT,	"ciphertext does not authenticate" },
	{ CAIRN_EKEYMISMATCH,	"signing key id differs from the signed header" },
	{ CAIRN_ESENDER,	"sender organisation differs from the signer" },
	{ CAIRN_EKIND,		"unknown or mismatched message kind" },
	{ CAIRN_EBADPAYLOAD,	"invalid payload" },
	{ CAIRN_EFUTURE,	"message created in the future" },
	{ CAIRN_EORGID,		"malformed organisation id" },
	{ CAIRN_EFUNCTION,	"malformed function name" },
	{ CAIRN_EADDRESS,	"malformed functional address (want ORG/FUNCTION)" },
	{ CAIRN_EORGNR,		"invalid organisation number" },
	{ CAIRN_EPNR,		"malformed personal identity number" },
	{ CAIRN_EPNRDATE,	"personal identity number has an impossible date" },
	{ CAIRN_EPNRCHECK,	"personal identity number checksum fails" },
	{ CAIRN_ESTRING,	"text too long or not valid UTF-8" },
	{ CAIRN_EDATE,		"malformed date (want YYYY-MM-DD)" },
	{ CAIRN_ECONSENT,	"consent basis missing or invalid" },
	{ CAIRN_EENDPOINT,	"malformed endpoint (want tcp://host:port)" },
	{ CAIRN_EKEYFILE,	"malformed key file" },
	{ CAIRN_EKEYPERM,	"secret key file is readable by group or others "
				"(chmod 600)" },
	{ CAIRN_EKEYTYPE,	"wrong kind of key file" },
	{ CAIRN_ENOKEY,		"no valid key for this purpose" },
	{ CAIRN_EEXIST,		"file exists, refusing to overwrite" },
	{ CAIRN_EBOOKSIG,	"address book signature does not verify" },
	{ CAIRN_EBOOKEXPIRED,	"address book has expired" },
	{ CAIRN_EBOOKROLLBACK,	"address book serial is lower than the one "
				"accepted before (rollback)" },
	{ CAIRN_EBOOKDUP,	"duplicate organisation or function in address book" },
	{ CAIRN_EBOOKSOURCE,	"error in address book source" },
	{ CAIRN_ENOTFOUND,	"no such organisation or function" },
	{ CAIRN_EBOOKKEY,	"address book signed by another federation key" },
	{ CAIRN_ENOSPACE,	"store is full, message not accepted" },
	{ CAIRN_ESTORE,		"store failure" },
	{ CAIRN_ECORRUPT,	"stored record is corrupt" },
	{ CAIRN_EDENIED,	"permission denied for this role" },
	{ CAIRN_ETIMEOUT,	"no answer in time" },
	{ CAIRN_EPROTO,		"local protocol error" },
	{ CAIRN_EREFUSED,	"refused" },
	{ CAIRN_ESTATE,		"not allowed in the current state" },
	{ CAIRN_ECONFIG,	"configuration error" },
	{ CAIRN_ENOTACCEPTED,	"function does not accept this kind of message" },
};

const char *
cairn_strerror(int code)
{
	size_t	i;

	if (code == 0)
		return "success";
	if (code > CAIRN_EFIRST && code < 0)
		return strerror(-code);
	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].code == code)
			return errors[i].text;
	return "unknown error";
}
