/*
 * pf_api.c: small C helpers that exist only for the JS bindings.
 *
 * The C core takes C callbacks; JavaScript cannot hand it one. These helpers
 * subscribe C callbacks that forward to the host (pf_host_emit), where
 * bindings/pyframe_rt.js finds the JS listener by its target id. Built into
 * the release wasm only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_host.h"
#include "pf_state.h"

const char *pf_api_version(void) { return "0.1.0"; }

/* Forwards a State delivery to JS as event "change" with the changed keys as
 * a JSON array of strings. */
static void forward_change(void *ud, pf_state *state, const char *const *keys, size_t n)
{
    (void)state;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(keys[i]));
    char *json = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    if (!json)
        return;
    pf_host_emit((int32_t)(intptr_t)ud, "change", 6, json, strlen(json));
    cJSON_free(json);
}

/* Subscribes JS listener `target` to changes of `key` (key_len 0: every key).
 * Returns the subscription id (> 0) or a negative pf_err. */
int pf_api_state_watch(pf_state *state, const char *key, size_t key_len, int32_t target)
{
    if (!state || target <= 0 || (key_len && (!key || memchr(key, 0, key_len))))
        return PF_EINVAL;
    char *k = NULL;
    if (key_len) {
        k = malloc(key_len + 1);
        if (!k)
            return PF_ENOMEM;
        memcpy(k, key, key_len);
        k[key_len] = 0;
    }
    int id = pf_state_subscribe(state, k, forward_change, (void *)(intptr_t)target);
    free(k);
    return id;
}

int pf_api_state_unwatch(pf_state *state, int id) { return pf_state_unsubscribe(state, id); }
