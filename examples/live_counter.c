/*
 * live_counter.c: "LiveCounter", the example of docs/components.md.
 *
 * A counter that every page connected to the same WebSocket shares: the
 * server holds the number, sends {"type":"count","value":N} when a page
 * connects and whenever it changes, and takes {"type":"increment"} from a
 * page. The component shows the number, a button, and the state of the
 * connection. It uses only the public API (runtime/pf_component.h and the
 * headers it includes), and is built into dist/ with
 *
 *     make COMPONENTS=examples/live_counter.c
 *
 * Props: {"url": "ws://...", "label": "Visitors"}; without "url" the
 * counter is local (the page can still hand it messages with
 * handle.deliver).
 */
#include <stdlib.h>
#include <string.h>

#include "pf_component.h"

/* What the instance keeps outside its State store: settings fixed at
 * create. Freed by destroy. */
typedef struct counter {
    char *url; /* NULL: a local counter */
} counter;

static int counter_create(pf_component *c, const cJSON *props, void **self)
{
    /* props is borrowed for this call: copy what is kept. */
    const char *label = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(props, "label"));
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(props, "url"));
    pf_state *st = pf_component_state(c);
    counter *k = calloc(1, sizeof *k);
    if (!k)
        return PF_ENOMEM;
    if (url && url[0]) {
        k->url = malloc(strlen(url) + 1);
        if (!k->url) {
            free(k);
            return PF_ENOMEM;
        }
        strcpy(k->url, url);
    }
    /* The State store: what render reads. pf_state_update takes ownership
     * of the new value (and frees it on error; a NULL from an allocation
     * that failed is refused). */
    if (pf_state_update(st, "label", cJSON_CreateString(label ? label : "Count")) != PF_OK ||
        pf_state_update(st, "count", cJSON_CreateNumber(0)) != PF_OK ||
        pf_state_update(st, "status", cJSON_CreateString("offline")) != PF_OK) {
        free(k->url);
        free(k);
        return PF_ENOMEM;
    }
    *self = k;
    return PF_OK;
}

/* After the first render: connect, when the props name a server. */
static void counter_did_mount(pf_component *c, void *self)
{
    counter *k = self;
    /* A reconnecting WebSocket (backoff, heartbeat), shared with every
     * other component of the page connected to the same url. */
    if (k->url && pf_component_ws_connect(c, k->url, strlen(k->url), NULL) != PF_OK)
        pf_state_update(pf_component_state(c), "status", cJSON_CreateString("cannot connect"));
}

/* One frame from the server, already parsed. Anything unexpected is
 * ignored: the network never makes a component fail. */
static void counter_on_message(pf_component *c, void *self, const cJSON *msg,
                               const char *raw, size_t raw_len)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(msg, "value");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "count") != 0 || !cJSON_IsNumber(value))
        return;
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(value->valuedouble));
}

/* The connection's state: "open", "reconnecting", ... */
static void counter_on_connection(pf_component *c, void *self, const pf_ws_event *ev)
{
    pf_state_update(pf_component_state(c), "status", cJSON_CreateString(pf_ws_state_name(ev->state)));
}

/* data-on-click="increment" on the button. */
static int counter_on_event(pf_component *c, void *self, const pf_component_event *ev)
{
    counter *k = self;
    static const char frame[] = "{\"type\":\"increment\"}";
    double n = 0;
    if (ev->handler_len != strlen("increment") || memcmp(ev->handler, "increment", ev->handler_len) != 0)
        return PF_ENOTFOUND;
    if (k->url) /* queued while reconnecting; the server answers with the count */
        return pf_component_ws_send(c, frame, sizeof frame - 1);
    pf_state_get_number(pf_component_state(c), "count", &n);
    pf_component_emit(c, "incremented", NULL, 0);
    return pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(n + 1));
}

static int counter_render(pf_component *c, void *self, pf_html *h)
{
    pf_state *st = pf_component_state(c);
    const char *label = "", *status = "";
    double n = 0;
    pf_state_get_string(st, "label", &label);
    pf_state_get_string(st, "status", &status);
    pf_state_get_number(st, "count", &n);

    pf_html_open(h, "div");
    pf_html_attr(h, "class", "live-counter");
    pf_html_open(h, "span");
    pf_html_attr(h, "class", "label");
    pf_html_str(h, label); /* text is escaped: a label of <script> shows as typed */
    pf_html_close(h);
    pf_html_open(h, "output");
    pf_html_textf(h, "%g", n);
    pf_html_close(h);
    pf_html_open(h, "button");
    pf_html_attr(h, "type", "button");
    pf_html_on(h, "click", "increment");
    pf_html_str(h, "+1");
    pf_html_close(h);
    pf_html_open(h, "small");
    pf_html_attr(h, "class", "status");
    pf_html_str(h, status);
    pf_html_close(h);
    pf_html_close(h);
    return PF_OK; /* a failed pf_html_* call is sticky: the runtime sees it */
}

static void counter_destroy(void *self)
{
    counter *k = self;
    free(k->url);
    free(k);
}

const pf_component_class live_counter_class = {
    .name = "LiveCounter",
    .create = counter_create,
    .did_mount = counter_did_mount,
    .on_message = counter_on_message,
    .on_connection = counter_on_connection,
    .on_event = counter_on_event,
    .render = counter_render,
    .destroy = counter_destroy,
};

/* No table lists a component built with make COMPONENTS=...: it registers
 * itself when the runtime loads. */
PF_COMPONENT_REGISTER_AT_LOAD(live_counter_class)
