/* pf_error.c: messages for the error codes of pf_error.h. */
#include "pf_error.h"

const char *pf_strerror(int err)
{
    switch (err) {
    case PF_OK: return "success";
    case PF_EINVAL: return "invalid argument";
    case PF_ENOMEM: return "out of memory";
    case PF_EJSON: return "malformed JSON";
    case PF_ETYPE: return "value has the wrong type";
    case PF_ENOTFOUND: return "not found";
    case PF_ERANGE: return "position or count out of range";
    case PF_EUTF8: return "invalid UTF-8 text";
    case PF_ETOOBIG: return "input too large";
    case PF_ESTATE: return "not allowed in the current state";
    case PF_EFULL: return "queue full";
    case PF_EHOST: return "host effect failed";
    case PF_EPROTO: return "protocol violation";
    case PF_EEXIST: return "already exists";
    case PF_EUNSAFE: return "refused as unsafe markup or URL";
    default: return "unknown error";
    }
}
