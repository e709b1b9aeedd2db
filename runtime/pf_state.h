/*
 * pf_state.h: the State store of a live component (the seed's State({...}),
 * state.get, state.update, state.set_multiple).
 *
 * A store maps keys (UTF-8 strings) to JSON values. Changing values marks
 * their keys dirty; subscribers are told once per flush (pf_defer, i.e. after
 * the current task), with the list of keys that changed, however many updates
 * happened in between. That is what makes many updates in one tick cause one
 * re-render. A value replaced by an equal value does not mark its key dirty.
 *
 * Input that comes from the network (JSON text) is parsed completely before
 * anything changes: a malformed or wrongly typed input returns an error and
 * leaves the store as it was.
 */
#ifndef PF_STATE_H
#define PF_STATE_H

#include <stddef.h>

#include "cJSON.h"
#include "pf_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct pf_state pf_state;

/* Largest JSON text accepted by the *_json functions, in bytes. */
#define PF_STATE_MAX_JSON ((size_t)64 * 1024 * 1024)

/* Returns a new, empty store, or NULL when out of memory.
 * Free with pf_state_free(). */
pf_state *pf_state_new(void);

/* Frees the store, its values and its subscriptions, and cancels a pending
 * flush. Accepts NULL. Called from one of its own subscribers, it stops the
 * delivery (no later subscriber is called) and frees the store when that
 * subscriber returns; the store must not be used after the call. */
void pf_state_free(pf_state *state);

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

/* Returns the value of `key` (NUL-terminated), or NULL if the key is not
 * set. Borrowed: valid until the key is next changed or the store freed. */
const cJSON *pf_state_get(const pf_state *state, const char *key);

/* Like pf_state_get with a key of explicit length (keys may come from JS). */
const cJSON *pf_state_get_n(const pf_state *state, const char *key, size_t key_len);

/* Typed reads. They return PF_OK and fill *out, PF_ENOTFOUND if the key is
 * not set, or PF_ETYPE if its value has another type. A string read is
 * borrowed like pf_state_get. */
int pf_state_get_number(const pf_state *state, const char *key, double *out);
int pf_state_get_bool(const pf_state *state, const char *key, int *out);
int pf_state_get_string(const pf_state *state, const char *key, const char **out);

/* Serialises the value of `key` as JSON. On PF_OK, *out is a new
 * NUL-terminated string of *out_len bytes; free it with pf_free(). Returns
 * PF_ENOTFOUND if the key is not set, PF_ENOMEM, or PF_EINVAL. */
int pf_state_get_json(const pf_state *state, const char *key, size_t key_len,
                      char **out, size_t *out_len);

/* Serialises the whole store as one JSON object, as pf_state_get_json. */
int pf_state_to_json(const pf_state *state, char **out, size_t *out_len);

/* Number of keys set. */
size_t pf_state_size(const pf_state *state);

/* Frees memory returned by this module (and by other pf_* functions that
 * say "free with pf_free"). Accepts NULL. */
void pf_free(void *p);

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

/* Sets `key` to `value`. Takes ownership of value, also when it fails.
 * Returns PF_OK, PF_EINVAL (NULL or empty key, NULL value) or PF_ENOMEM. */
int pf_state_update(pf_state *state, const char *key, cJSON *value);

/* Sets `key` (explicit length, must not contain NUL) to the value parsed
 * from `json`. On a parse error, returns PF_EJSON and fills *err (may be
 * NULL) with its position; the store is unchanged. PF_ETOOBIG if the text is
 * longer than PF_STATE_MAX_JSON. */
int pf_state_update_json(pf_state *state, const char *key, size_t key_len,
                         const char *json, size_t json_len, pf_parse_error *err);

/* Sets every member of `object` (which must be a JSON object) as one change:
 * subscribers hear about all of its keys in one notification. Takes ownership
 * of object, also when it fails. PF_ETYPE if it is not an object or has an
 * empty key. */
int pf_state_set_multiple(pf_state *state, cJSON *object);

/* Parses `json` and applies it as pf_state_set_multiple. The whole text is
 * validated before any key changes. */
int pf_state_set_multiple_json(pf_state *state, const char *json, size_t json_len,
                               pf_parse_error *err);

/* In-place change of a large value: returns the stored value of `key` for
 * the caller to change, and marks the key dirty first (subscribers hear
 * about it at the next flush, as after pf_state_update). NULL when the key
 * is not set or marking it dirty ran out of memory (then nothing changed).
 * The pointer is owned by the store and valid until the key is next
 * replaced or removed, or the store freed.
 *
 * For changing one item of a 1,000-item array without copying the array:
 * pf_state_update would take a whole new value and compare it with the old
 * one. The caller must validate its input before calling (a rejected
 * message must change nothing), must leave a valid JSON value of its own
 * choosing in place (replace members with cJSON_ReplaceItem*, never free
 * the returned value itself), and should only call it when it will change
 * something: unlike pf_state_update, no comparison tells an equal value
 * from a changed one. */
cJSON *pf_state_edit(pf_state *state, const char *key);

/* Removes `key`. Returns PF_OK or PF_ENOTFOUND. A removal marks it dirty. */
int pf_state_remove(pf_state *state, const char *key, size_t key_len);

/* ------------------------------------------------------------------------ */
/* Subscriptions                                                            */
/* ------------------------------------------------------------------------ */

/* Called once per flush with the keys that changed since the last flush
 * (borrowed, valid for the call). A subscriber may read and change the store
 * from the callback; changes made there are delivered at the next flush. */
typedef void (*pf_state_fn)(void *ud, pf_state *state, const char *const *keys, size_t key_count);

/* Subscribes fn to changes of `key` (NUL-terminated), or to every change
 * when key is NULL. Returns a subscription id (> 0) or a negative pf_err. */
int pf_state_subscribe(pf_state *state, const char *key, pf_state_fn fn, void *ud);

/* Ends a subscription. Safe from inside a callback. PF_ENOTFOUND if unknown. */
int pf_state_unsubscribe(pf_state *state, int id);

/* Delivers pending notifications now instead of at the next flush. */
void pf_state_flush(pf_state *state);

/* Number of keys changed since the last delivery. */
size_t pf_state_pending(const pf_state *state);

/* Counts deliveries so far (one per flush that had changes); components and
 * tests use it to check batching. */
unsigned long pf_state_deliveries(const pf_state *state);

#ifdef __cplusplus
}
#endif

#endif /* PF_STATE_H */
