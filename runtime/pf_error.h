/*
 * pf_error.h: error codes shared by every pyframe_rt module.
 *
 * Every fallible function returns an int: PF_OK (zero) on success or one of
 * the negative codes below. There is no global "last error". Parsers that can
 * say where input went wrong fill a pf_parse_error as well.
 */
#ifndef PF_ERROR_H
#define PF_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Codes                                                                    */
/* ------------------------------------------------------------------------ */

typedef enum pf_err {
    PF_OK = 0,
    PF_EINVAL = -1,     /* an argument is not valid (NULL, bad length) */
    PF_ENOMEM = -2,     /* an allocation failed */
    PF_EJSON = -3,      /* input is not well-formed JSON */
    PF_ETYPE = -4,      /* JSON is well-formed but a value has the wrong type */
    PF_ENOTFOUND = -5,  /* no such key, id or handle */
    PF_ERANGE = -6,     /* a position or count is out of range */
    PF_EUTF8 = -7,      /* text is not valid UTF-8 (or holds a lone surrogate) */
    PF_ETOOBIG = -8,    /* input is larger than the configured limit */
    PF_ESTATE = -9,     /* not allowed in the object's current state */
    PF_EFULL = -10,     /* a bounded queue is full */
    PF_EHOST = -11,     /* the host refused or failed an effect */
    PF_EPROTO = -12,    /* a message does not follow the protocol */
    PF_EEXIST = -13,    /* the thing already exists (e.g. mounted twice) */
    PF_EUNSAFE = -14    /* markup or a URL was refused as unsafe (XSS) */
} pf_err;

/* Returns a constant, human-readable sentence for an error code. Never NULL;
 * unknown codes get a generic message. */
const char *pf_strerror(int err);

/* Where and why a parser rejected its input. `msg` is a constant string
 * (never freed); `pos` is a byte offset into the input. */
typedef struct pf_parse_error {
    int code;
    const char *msg;
    size_t pos;
} pf_parse_error;

#ifdef __cplusplus
}
#endif

#endif /* PF_ERROR_H */
