/*
 * keyed_list.c: KeyedList, a generic keyed list (the row of the
 * js-framework-benchmark), and a second worked example of a live component
 * in C, after live_counter.c. Like every example it is not in the stock
 * dist/: make builds it into build/example-dist (and `make
 * COMPONENTS=examples/keyed_list.c` into dist/), where the DOM benchmark and
 * the demo's custom component page load it.
 *
 * A component is a static table of callbacks (pf_component_class, see
 * runtime/pf_component.h) that registers itself by name when the runtime
 * loads (PF_COMPONENT_REGISTER_AT_LOAD, at the end). The page mounts it with PyFrameRT.mount('KeyedList', 'some-id', props) or
 * with <div data-pyframe-component="KeyedList"> and PyFrameRT.mountAll().
 * From then on:
 *
 *   1. Everything the component shows lives in its State store:
 *        "items"     an array of {"id": number or string, "label": string}
 *        "selected"  the id of the selected row as a string, or null
 *        "text"      what the "new item" box holds
 *      Replacing every item ("set", "clear") builds a new array and hands
 *      it to pf_state_update. Changing a few items of a long list ("update",
 *      "swap", "remove", "append", ...) edits the stored array in place
 *      through pf_state_edit, after checking the message, instead of copying
 *      1,000 items per message; either way the key is marked dirty.
 *   2. Changes are not drawn at once. The store notifies the framework once
 *      per task, the framework renders once per animation frame, so a burst
 *      of 1,000 messages costs one render.
 *   3. render() describes the whole markup from the state with the pf_html
 *      builder, as if drawing from scratch. The framework diffs it with the
 *      last render by key (data-id) and sends the browser only what changed:
 *      updating one label rewrites one Text node. Each row is memoized
 *      (pf_html_memo) on what it shows (id, label, selected): a row whose
 *      data did not change is reused from the last render instead of being
 *      built again, and the diff skips it without comparing it.
 *   4. Text and attribute values from data are always escaped or set as
 *      Text nodes by pf_html, so a label of "<img onerror=...>" is shown,
 *      not run. No markup string is ever assembled by hand.
 *   5. Event handlers are declared in the markup (pf_html_on writes
 *      data-on-click="select"); the bindings route the event to on_event
 *      with the handler name and the data-id of the row it happened in.
 *
 * The markup is the row of the js-framework-benchmark, so the benchmark in
 * bench/dom.mjs can compare it with hand-written JavaScript:
 *
 *   <div class="keyed-list">
 *     <form data-on-submit="add">
 *       <input class="new-label" data-on-input="edit" value="...">
 *       <button type="submit">Add</button>
 *     </form>
 *     <table><tbody>
 *       <tr data-id="7" class="danger">            (class only when selected)
 *         <td class="id">7</td>
 *         <td class="label"><a data-on-click="select">LABEL</a></td>
 *         <td><a data-on-click="remove">x</a></td>
 *       </tr> ...
 *     </tbody></table>
 *   </div>
 *
 * Messages (JSON objects through on_message: a socket, or handle.deliver()
 * in JS):
 *
 *   {"type":"set","items":[{id,label}...]}   replace every item
 *   {"type":"append","items":[...]}          add items at the end
 *   {"type":"update","id":ID,"label":"..."}  relabel one item
 *   {"type":"update_every","step":10,"suffix":" !!!"}
 *                                            append suffix to every step-th
 *                                            label (0, step, 2*step, ...)
 *   {"type":"swap","a":1,"b":998}            swap the items at two positions
 *   {"type":"remove","id":ID}                remove one item
 *   {"type":"select","id":ID}                select one item (null: none)
 *   {"type":"clear"}                         remove every item
 *
 * Messages that are malformed (unknown type, missing fields, positions out
 * of range) are logged and ignored: data from the network never crashes a
 * component.
 *
 * Page events (handle.on(name, fn)): "selected" {id}, "removed" {id},
 * "added" {id, label}.
 *
 * Props: {"items": [...]} (initial items), {"placeholder": "..."}.
 */
#include "pf_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "pf_component.h"
#include "pf_host.h"
#include "pf_html.h"
#include "pf_state.h"
#include "pf_num.h"

/* ------------------------------------------------------------------------ */
/* The component's own data                                                 */
/* ------------------------------------------------------------------------ */

/* What is not state: settings from the props, fixed after create, and the
 * counter for ids of items added with the form. */
typedef struct keyed_list {
    char *placeholder;
    double next_id;
} keyed_list;

/* An item's id as the text used for data-id and in events: integers
 * without a decimal point, strings as they are. Writes at most `cap` bytes
 * (NUL included) and returns the length, or 0 when the id is neither. */
static size_t id_text(const cJSON *id, char *out, size_t cap)
{
    if (cJSON_IsNumber(id)) {
        /* Whole numbers up to 2^53 are written as integers; anything else
         * (1e27, a fraction) as %.17g: converting 1e27 to long long would
         * be undefined. */
        double d = id->valuedouble;
        int whole = d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(long long)d;
        int n = whole ? pf_fmt(out, cap, "%lld", (long long)d) : pf_fmt(out, cap, "%.17g", d);
        return n > 0 && (size_t)n < cap ? (size_t)n : 0;
    }
    if (cJSON_IsString(id)) {
        size_t n = strlen(id->valuestring);
        if (n == 0 || n >= cap)
            return 0;
        memcpy(out, id->valuestring, n + 1);
        return n;
    }
    return 0;
}

/* Whether item `it` has the id written `key` (key_len bytes). */
static int item_has_id(const cJSON *it, const char *key, size_t key_len)
{
    char buf[64];
    size_t n = id_text(cJSON_GetObjectItemCaseSensitive(it, "id"), buf, sizeof buf);
    return n && n == key_len && memcmp(buf, key, n) == 0;
}

/* A valid item is an object with a number or string id and a string label. */
static int item_valid(const cJSON *it)
{
    char buf[64];
    return cJSON_IsObject(it) &&
           id_text(cJSON_GetObjectItemCaseSensitive(it, "id"), buf, sizeof buf) > 0 &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "label"));
}

/* A new array holding copies of the valid items of `arr`, or NULL when out
 * of memory. Invalid entries are dropped (and logged once). */
static cJSON *copy_items(const cJSON *arr)
{
    cJSON *out = cJSON_CreateArray();
    int dropped = 0;
    const cJSON *it;
    if (!out)
        return NULL;
    cJSON_ArrayForEach(it, arr)
    {
        if (!item_valid(it)) {
            dropped = 1;
            continue;
        }
        cJSON *copy = cJSON_CreateObject();
        if (!copy || !cJSON_AddItemToObject(copy, "id", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(it, "id"), 0)) ||
            !cJSON_AddStringToObject(copy, "label", cJSON_GetObjectItemCaseSensitive(it, "label")->valuestring)) {
            cJSON_Delete(copy);
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToArray(out, copy);
    }
    if (dropped)
        pf_host_log(PF_LOG_WARN, "KeyedList: dropped items without an id or label", 48);
    return out;
}

/* The current items (read only); NULL unless an array. */
static const cJSON *items_get(pf_component *c)
{
    const cJSON *items = pf_state_get(pf_component_state(c), "items");
    return cJSON_IsArray(items) ? items : NULL;
}

/* The stored items for an in-place change, marked dirty (pf_state_edit).
 * Call only once the message is known to be valid and the change ready:
 * NULL when out of memory or when "items" is not an array. */
static cJSON *items_edit(pf_component *c)
{
    if (!items_get(c))
        return NULL;
    return pf_state_edit(pf_component_state(c), "items");
}

/* Index of the item with id `key`, or -1. */
static int find_item(const cJSON *items, const char *key, size_t key_len)
{
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (item_has_id(it, key, key_len))
            return i;
        i++;
    }
    return -1;
}

/* A copy of `n` bytes of `s` plus `m` bytes of `t`, allocated the way cJSON
 * frees strings (cJSON_malloc), or NULL when out of memory. */
static char *label_text(const char *s, size_t n, const char *t, size_t m)
{
    char *d = cJSON_malloc(n + m + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    if (m)
        memcpy(d + n, t, m);
    d[n + m] = 0;
    return d;
}

/* Gives `item` the label `text` (from label_text, owned from now on). Swaps
 * the string in place, which cannot fail, so callers prepare every new
 * label first and then change the stored items without a failure halfway. */
static void set_label(cJSON *item, char *text)
{
    cJSON *l = cJSON_GetObjectItemCaseSensitive(item, "label");
    if (cJSON_IsString(l) && !(l->type & (cJSON_IsReference | cJSON_StringIsConst))) {
        cJSON_free(l->valuestring);
        l->valuestring = text;
        return;
    }
    /* Only an item stored through the State API can lack a string label. */
    cJSON *s = cJSON_CreateString(text);
    cJSON_free(text);
    if (!s)
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(item, "label");
    if (!cJSON_AddItemToObject(item, "label", s))
        cJSON_Delete(s);
}

static void warn(const char *msg)
{
    pf_host_log(PF_LOG_WARN, msg, strlen(msg));
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                */
/* ------------------------------------------------------------------------ */

static int kl_create(pf_component *c, const cJSON *props, void **self)
{
    keyed_list *kl = calloc(1, sizeof *kl);
    if (!kl)
        return PF_ENOMEM;
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(props, "placeholder");
    const char *text = cJSON_IsString(ph) ? ph->valuestring : "New item";
    kl->placeholder = malloc(strlen(text) + 1);
    if (kl->placeholder)
        memcpy(kl->placeholder, text, strlen(text) + 1);
    kl->next_id = 1;
    if (!kl->placeholder) {
        free(kl);
        return PF_ENOMEM;
    }
    /* Initial state, as the seed's __init__: the first render shows it. */
    pf_state *st = pf_component_state(c);
    cJSON *items = copy_items(cJSON_GetObjectItemCaseSensitive(props, "items"));
    if (!items || pf_state_update(st, "items", items) != PF_OK ||
        pf_state_update(st, "selected", cJSON_CreateNull()) != PF_OK ||
        pf_state_update(st, "text", cJSON_CreateString("")) != PF_OK) {
        free(kl->placeholder);
        free(kl);
        return PF_ENOMEM;
    }
    *self = kl;
    return PF_OK;
}

static void kl_destroy(void *self)
{
    keyed_list *kl = self;
    if (!kl)
        return;
    free(kl->placeholder);
    free(kl);
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */
/* ------------------------------------------------------------------------ */

/* Each operation reads the current value, builds a new one and stores it.
 * Returns PF_OK, or an error for a message that does not make sense. */

static int op_set(pf_component *c, const cJSON *msg, int append)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(msg, "items");
    if (!cJSON_IsArray(src))
        return PF_ETYPE;
    cJSON *add = copy_items(src);
    if (!add)
        return PF_ENOMEM;
    if (!append || !items_get(c))
        return pf_state_update(pf_component_state(c), "items", add);
    if (!add->child) {
        cJSON_Delete(add);
        return PF_OK; /* nothing to append: no change */
    }
    cJSON *items = items_edit(c);
    if (!items) {
        cJSON_Delete(add);
        return PF_ENOMEM;
    }
    /* Move add's children to the end of items without copying them: splice
     * the whole chain (cJSON keeps the last item in child->prev). */
    cJSON *first = add->child, *last = first->prev;
    add->child = NULL;
    if (!items->child) {
        items->child = first;
    } else {
        cJSON *tail = items->child->prev;
        tail->next = first;
        first->prev = tail;
        items->child->prev = last;
    }
    cJSON_Delete(add);
    return PF_OK;
}

static int op_update(pf_component *c, const cJSON *msg)
{
    char key[64];
    size_t n = id_text(cJSON_GetObjectItemCaseSensitive(msg, "id"), key, sizeof key);
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(msg, "label");
    if (!n || !cJSON_IsString(label))
        return PF_ETYPE;
    const cJSON *cur = items_get(c);
    int i = cur ? find_item(cur, key, n) : -1;
    if (i < 0)
        return PF_ENOTFOUND;
    const char *old = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cur, i), "label"));
    if (old && strcmp(old, label->valuestring) == 0)
        return PF_OK; /* the same label: nothing changes, nothing to render */
    char *s = label_text(label->valuestring, strlen(label->valuestring), NULL, 0);
    cJSON *items = s ? items_edit(c) : NULL;
    if (!items) {
        cJSON_free(s);
        return PF_ENOMEM;
    }
    set_label(cJSON_GetArrayItem(items, i), s);
    return PF_OK;
}

static int op_update_every(pf_component *c, const cJSON *msg)
{
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(msg, "step");
    const cJSON *suffix = cJSON_GetObjectItemCaseSensitive(msg, "suffix");
    if (!cJSON_IsNumber(step) || step->valuedouble < 1 || !cJSON_IsString(suffix))
        return PF_ETYPE;
    int every = step->valuedouble > 1e9 ? 1000000000 : (int)step->valuedouble;
    size_t slen = strlen(suffix->valuestring);
    const cJSON *cur = items_get(c);
    int count = cur ? cJSON_GetArraySize(cur) : 0;
    if (slen == 0 || count == 0)
        return PF_OK; /* nothing changes */
    /* Every new label is made before the stored items change, so running
     * out of memory halfway changes nothing. */
    int targets = (count - 1) / every + 1;
    char **labels = calloc((size_t)targets, sizeof *labels);
    if (!labels)
        return PF_ENOMEM;
    int i = 0, t = 0, ok = 1;
    const cJSON *it;
    cJSON_ArrayForEach(it, cur)
    {
        if (i++ % every)
            continue;
        const char *old = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "label"));
        labels[t] = label_text(old ? old : "", old ? strlen(old) : 0, suffix->valuestring, slen);
        if (!labels[t++]) {
            ok = 0;
            break;
        }
    }
    cJSON *items = ok ? items_edit(c) : NULL;
    if (!items) {
        for (int k = 0; k < targets; k++)
            cJSON_free(labels[k]);
        free(labels);
        return PF_ENOMEM;
    }
    i = t = 0;
    cJSON *mit;
    cJSON_ArrayForEach(mit, items)
    {
        if (i++ % every)
            continue;
        set_label(mit, labels[t++]);
    }
    free(labels);
    return PF_OK;
}

static int op_swap(pf_component *c, const cJSON *msg)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(msg, "a");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(msg, "b");
    const cJSON *cur = items_get(c);
    int n = cur ? cJSON_GetArraySize(cur) : 0;
    if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b))
        return PF_ETYPE;
    if (a->valuedouble < 0 || b->valuedouble < 0 || a->valuedouble >= n || b->valuedouble >= n)
        return PF_ERANGE;
    int i = (int)a->valuedouble, j = (int)b->valuedouble;
    if (i == j)
        return PF_OK;
    cJSON *items = items_edit(c);
    if (!items)
        return PF_ENOMEM;
    /* Exchange the members of the two item objects: the array's own links
     * stay untouched. (cJSON 1.7.15's detach-then-insert loses an item when
     * used for this.) */
    cJSON *x = cJSON_GetArrayItem(items, i);
    cJSON *y = cJSON_GetArrayItem(items, j);
    cJSON *members = x->child;
    x->child = y->child;
    y->child = members;
    return PF_OK;
}

static int op_remove(pf_component *c, const char *key, size_t key_len)
{
    const cJSON *cur = items_get(c);
    int i = cur ? find_item(cur, key, key_len) : -1;
    if (i < 0)
        return PF_ENOTFOUND;
    cJSON *items = items_edit(c);
    if (!items)
        return PF_ENOMEM;
    cJSON_DeleteItemFromArray(items, i);
    return PF_OK;
}

/* Selects the item with id `key` (NULL: none). */
static int op_select(pf_component *c, const char *key, size_t key_len)
{
    cJSON *sel;
    if (key) {
        /* cJSON copies NUL-terminated strings; the key has a length. */
        char buf[64];
        if (key_len >= sizeof buf)
            return PF_ERANGE;
        memcpy(buf, key, key_len);
        buf[key_len] = 0;
        sel = cJSON_CreateString(buf);
    } else {
        sel = cJSON_CreateNull();
    }
    if (!sel)
        return PF_ENOMEM;
    return pf_state_update(pf_component_state(c), "selected", sel);
}

static void kl_on_message(pf_component *c, void *self, const cJSON *msg,
                          const char *raw, size_t raw_len)
{
    (void)self;
    (void)raw;
    (void)raw_len;
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "type"));
    char key[64];
    size_t n;
    int rc = PF_EPROTO;
    if (!type)
        rc = PF_EPROTO;
    else if (strcmp(type, "set") == 0)
        rc = op_set(c, msg, 0);
    else if (strcmp(type, "append") == 0)
        rc = op_set(c, msg, 1);
    else if (strcmp(type, "update") == 0)
        rc = op_update(c, msg);
    else if (strcmp(type, "update_every") == 0)
        rc = op_update_every(c, msg);
    else if (strcmp(type, "swap") == 0)
        rc = op_swap(c, msg);
    else if (strcmp(type, "clear") == 0)
        rc = pf_state_update(pf_component_state(c), "items", cJSON_CreateArray());
    else if (strcmp(type, "remove") == 0) {
        n = id_text(cJSON_GetObjectItemCaseSensitive(msg, "id"), key, sizeof key);
        rc = n ? op_remove(c, key, n) : PF_ETYPE;
    } else if (strcmp(type, "select") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        n = id_text(id, key, sizeof key);
        rc = n ? op_select(c, key, n) : cJSON_IsNull(id) ? op_select(c, NULL, 0) : PF_ETYPE;
    }
    if (rc != PF_OK) {
        char line[128];
        pf_fmt(line, sizeof line, "KeyedList: ignored a \"%.32s\" message: %s",
                 type ? type : "?", pf_strerror(rc));
        warn(line);
    }
}

/* ------------------------------------------------------------------------ */
/* DOM events                                                               */
/* ------------------------------------------------------------------------ */

/* Emits a page event whose payload is {"id": key} (plus a label). */
static void emit_id(pf_component *c, const char *event, const char *key, size_t key_len,
                    const char *label)
{
    cJSON *o = cJSON_CreateObject();
    char buf[64];
    if (!o || key_len >= sizeof buf) {
        cJSON_Delete(o);
        return;
    }
    memcpy(buf, key, key_len);
    buf[key_len] = 0;
    cJSON_AddStringToObject(o, "id", buf);
    if (label)
        cJSON_AddStringToObject(o, "label", label);
    char *json = pf_json_print(o);
    cJSON_Delete(o);
    if (json)
        pf_component_emit(c, event, json, strlen(json));
    cJSON_free(json);
}

/* Adds an item labelled with the text box's content and clears the box. */
static int add_from_text(pf_component *c, keyed_list *kl)
{
    pf_state *st = pf_component_state(c);
    const char *text = "";
    pf_state_get_string(st, "text", &text);
    if (!text[0])
        return PF_OK;
    /* Pick an id above every numeric id present, so added rows never take
     * the key of an existing one. */
    const cJSON *it;
    cJSON_ArrayForEach(it, pf_state_get(st, "items"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        if (cJSON_IsNumber(id) && id->valuedouble >= kl->next_id)
            kl->next_id = id->valuedouble + 1;
    }
    /* At human rate (one click): a copy of the items, so that both keys
     * change through one pf_state_set_multiple. */
    const cJSON *cur = items_get(c);
    cJSON *items = cur ? cJSON_Duplicate(cur, 1) : cJSON_CreateArray();
    cJSON *item = cJSON_CreateObject();
    if (!items || !item || !cJSON_AddNumberToObject(item, "id", kl->next_id) ||
        !cJSON_AddStringToObject(item, "label", text)) {
        cJSON_Delete(items);
        cJSON_Delete(item);
        return PF_ENOMEM;
    }
    char key[64];
    size_t n = id_text(cJSON_GetObjectItemCaseSensitive(item, "id"), key, sizeof key);
    emit_id(c, "added", key, n, text); /* before `text` changes below */
    kl->next_id++;
    cJSON_AddItemToArray(items, item);
    /* Both keys change in one notification, so one render. Clearing "text"
     * is a change of the intended value ("abc" -> ""), so the diff writes
     * the input's value; re-rendering "abc" would not touch what the user
     * types. */
    cJSON *both = cJSON_CreateObject();
    if (!both) {
        cJSON_Delete(items);
        return PF_ENOMEM;
    }
    cJSON_AddItemToObject(both, "items", items);
    cJSON_AddItemToObject(both, "text", cJSON_CreateString(""));
    return pf_state_set_multiple(st, both);
}

static int kl_on_event(pf_component *c, void *self, const pf_component_event *ev)
{
    keyed_list *kl = self;
    pf_state *st = pf_component_state(c);
    const char *h = ev->handler;
    size_t hl = ev->handler_len;
#define IS(name) (hl == sizeof(name) - 1 && memcmp(h, name, hl) == 0)
    if (IS("edit")) {
        /* Mirror the box into state, so the component's intent follows
         * what the user types (see pf_html_value). The next render's
         * SET_VALUE carries what the box already holds, and the applier
         * skips it, so the caret is never disturbed. */
        char *buf = malloc(ev->value_len + 1);
        if (!buf)
            return PF_ENOMEM;
        memcpy(buf, ev->value, ev->value_len);
        buf[ev->value_len] = 0;
        cJSON *s = cJSON_CreateString(buf);
        free(buf);
        return s ? pf_state_update(st, "text", s) : PF_ENOMEM;
    }
    if (IS("add"))
        return add_from_text(c, kl);
    if (!ev->key)
        return PF_ENOTFOUND; /* select / remove need the row */
    if (IS("select")) {
        int rc = op_select(c, ev->key, ev->key_len);
        if (rc == PF_OK)
            emit_id(c, "selected", ev->key, ev->key_len, NULL);
        return rc;
    }
    if (IS("remove")) {
        int rc = op_remove(c, ev->key, ev->key_len);
        if (rc == PF_OK)
            emit_id(c, "removed", ev->key, ev->key_len, NULL);
        return rc;
    }
#undef IS
    return PF_ENOTFOUND;
}

/* ------------------------------------------------------------------------ */
/* Render                                                                   */
/* ------------------------------------------------------------------------ */

/* Builds the whole markup from the state. It only reads: a render must not
 * change state. Errors are sticky in the builder, so the calls need no
 * individual checks; the framework checks once at the end. */
static int kl_render(pf_component *c, void *self, pf_html *h)
{
    keyed_list *kl = self;
    pf_state *st = pf_component_state(c);
    const char *text = "";
    const char *selected = NULL;
    pf_state_get_string(st, "text", &text);
    pf_state_get_string(st, "selected", &selected); /* stays NULL for null */

    pf_html_open(h, "div");
    pf_html_attr(h, "class", "keyed-list");

    pf_html_open(h, "form");
    pf_html_on(h, "submit", "add");
    pf_html_open(h, "input");
    pf_html_attr(h, "class", "new-label");
    pf_html_attr(h, "placeholder", kl->placeholder);
    pf_html_on(h, "input", "edit");
    pf_html_value(h, text, strlen(text));
    pf_html_close(h); /* input */
    pf_html_open(h, "button");
    pf_html_attr(h, "type", "submit");
    pf_html_str(h, "Add");
    pf_html_close(h); /* button */
    pf_html_close(h); /* form */

    pf_html_open(h, "table");
    pf_html_open(h, "tbody");
    size_t selected_len = selected ? strlen(selected) : 0;
    char stack[256];
    const cJSON *it;
    cJSON_ArrayForEach(it, pf_state_get(st, "items"))
    {
        char key[64];
        size_t n = id_text(cJSON_GetObjectItemCaseSensitive(it, "id"), key, sizeof key);
        const char *label = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "label"));
        if (!label)
            label = "";
        int is_selected = selected && selected_len == n && memcmp(selected, key, n) == 0;
        /* The row shows its id, its label and whether it is selected, and
         * nothing else: those are its memo deps. An unchanged row is reused
         * from the last render and skipped by the diff. */
        size_t label_len = strlen(label), deps_len = n + label_len + 2;
        char *deps = deps_len <= sizeof stack ? stack : malloc(deps_len);
        int memo = 0;
        if (deps) {
            memcpy(deps, key, n);
            deps[n] = 0;
            memcpy(deps + n + 1, label, label_len);
            deps[deps_len - 1] = is_selected ? 's' : '-';
            memo = pf_html_memo(h, deps, deps_len);
            if (deps != stack)
                free(deps);
        }
        if (memo != 0)
            continue; /* 1: reused from the last render; < 0: a sticky error */
        pf_html_open(h, "tr");
        /* data-id is the key: the diff follows the row when it moves. */
        pf_html_attrn(h, "data-id", key, n);
        if (is_selected)
            pf_html_attr(h, "class", "danger");
        pf_html_open(h, "td");
        pf_html_attr(h, "class", "id");
        pf_html_text(h, key, n);
        pf_html_close(h);
        pf_html_open(h, "td");
        pf_html_attr(h, "class", "label");
        pf_html_open(h, "a");
        pf_html_on(h, "click", "select");
        pf_html_str(h, label);
        pf_html_close(h);
        pf_html_close(h);
        pf_html_open(h, "td");
        pf_html_open(h, "a");
        pf_html_attr(h, "class", "remove");
        pf_html_on(h, "click", "remove");
        pf_html_str(h, "x");
        pf_html_close(h);
        pf_html_close(h);
        pf_html_close(h); /* tr */
    }
    pf_html_close(h); /* tbody */
    pf_html_close(h); /* table */
    pf_html_close(h); /* div */
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* The class                                                                */
/* ------------------------------------------------------------------------ */

const pf_component_class keyed_list_class = {
    "KeyedList",
    kl_create,
    NULL,           /* did_mount: nothing to load or connect */
    kl_on_message,
    NULL,           /* on_connection */
    NULL,           /* on_resync */
    kl_on_event,
    kl_render,
    NULL,           /* will_unmount */
    kl_destroy,
};

/* Registered when the runtime loads: no table of the runtime lists it. */
PF_COMPONENT_REGISTER_AT_LOAD(keyed_list_class)
