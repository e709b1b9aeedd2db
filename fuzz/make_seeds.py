#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/.

The seeds are real protocol messages (docs/protocol.md and the native
tests) and edge cases, in the script format of fuzz/fuzz_util.h. Run it
again after editing; files it did not write (crashing inputs kept as
regressions, named crash-*) are left alone."""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
J = lambda o: json.dumps(o, separators=(",", ":"), ensure_ascii=False)

post = lambda i, t, c="body": {"id": i, "title": t, "content": c, "author_id": 3, "author_name": "alice",
                               "published": True, "created_at": "2026-11-26T14:%02d:00.000Z" % i,
                               "updated_at": "2026-11-26T14:%02d:00.000Z" % i}
chat = lambda i, seq, u, t: {"type": "message", "id": i, "seq": seq, "user": u, "user_id": 2, "text": t,
                             "timestamp": "2026-11-26T14:40:00.000Z"}
notif = lambda i, t, read=False: {"id": i, "user_id": 3, "title": t, "message": "m", "icon": "/i.png",
                                  "read": read, "created_at": "2026-11-26T14:45:00.000Z"}
HOSTILE = ["<script>alert(1)</script>", "\" onmouseover=\"x", "javascript:alert(1)", "\u202e\u0301x\U0001F600",
           "a" * 300, "\\u0000", ""]
RATE = {"error": "Rate limit exceeded", "retry_after": 2}
ERR = {"type": "error", "code": "invalid_message", "message": "bad"}
COMMON = [J({"type": "ping"}), J({"type": "pong"}), J({"type": "resync"}), J(RATE), J(ERR),
          "not json", "[1]", "42", "null", "{}", '{"type":7}', '{"type":"unknown"}', "{\"type\":\"x\",\"seq\":1e999}"]

seeds = {}

seeds["json"] = COMMON + [J(post(1, "Hi")), J(chat(3, 1, "bob", "hi")), '{"a":[1,2,{"b":null}],"c":"\\u00e9\\ud83d\\ude00"}',
                          '"\\ud800"', "1e400", "-0", '{"a":1} x', "[" * 50 + "]" * 50, " \t\n1\n", '{"a":"\\u0000"}']

seeds["state"] = ["count=1\nname=\"alice\"\n!f\n-count", '{"a":1,"b":[1,2],"c":{"d":null}}\n!f\na=2',
                  'a={"deep":[[[{}]]]}\n{"":1}\n-a\n-missing', "x=notjson\n{\"a\":", "a=1\na=1\n!f\n{\"a\":1,\"a\":2}"]

seeds["ot"] = ["hello world\n[5,\"abc\"]\n[6,{\"d\":5}]", "abc\n[\"x\"]\n[\"y\"]", "abc\n[1,{\"d\":1},\"Z\"]\n[{\"d\":\"ab\"},\"Q\"]",
               "h\u00e9llo \U0001F600!\n[7,\"\u00e9\"]\n[2,{\"d\":\"llo\"}]", "\n[]\n[]", "abc\n[0,\"\",{\"d\":0}]\n[3]",
               "abc\n[{\"d\":10}]\n[-1]", "abc\n[1.5]\n[\"\\ud800\"]", "abcdef\n[2,{\"d\":2},\"xy\",1,{\"d\":1}]\n[1,{\"d\":4},\"q\"]",
               "x\n[2147483647]\n[{\"d\":2147483648}]"]

snap = {"type": "snapshot", "rev": 3, "content": "hello world", "users": [{"id": 2, "name": "bob", "cursor": 4}]}
seeds["ot_client"] = [
    "\n".join([J(snap), "!s5,0 X", J({"type": "ack", "rev": 3, "seq": 1}),
               J({"type": "content_change", "rev": 4, "operations": [0, "abc"], "user_id": 2, "src": "B", "seq": 1}),
               J({"type": "cursor_update", "user_id": 2, "position": 3, "rev": 5}), "!u", "!r", "!k2"]),
    "\n".join([J(snap), "!s0,5 hey", "!s1,0 a", "!d", "!o", J(snap), "!t20000"]),
    "\n".join([J(snap), "!T3 hel", J({"type": "error", "code": "invalid_op", "message": "no", "seq": 1}),
               J({"type": "content_change", "rev": 3, "operations": [{"d": 99}], "user_id": 2, "src": "B", "seq": 1}),
               J({"type": "user_left", "user_id": 2})]),
    "\n".join([J({"type": "snapshot", "rev": 0, "content": "", "users": []}),
               J({"type": "content_change", "rev": 0, "operations": ["x"], "user_id": 1, "src": "A", "seq": 1}),
               J({"type": "ack", "rev": 99, "seq": 5}), J({"type": "resync"})]),
] + COMMON

seeds["ws"] = [
    "\x00" + "\n".join(["!o", J({"type": "snapshot", "posts": [], "seq": 0}), J({"type": "x", "seq": 1}),
                        J({"type": "x", "seq": 1}), J({"type": "x", "seq": 3}), "!c1006", "!t1000", "!o",
                        J({"type": "resync"}), J({"type": "ping"}), "!t30000"]),
    "\x00" + "\n".join(["!o", "!shello", J(RATE), "!sagain", "!t3000", "!c4001 expired", "!t5000", "!o"]),
    "\x08" + "\n".join(["!o", "!s" + "x" * 40, "!s" + "y" * 40, "!c1013", "!s1", "!s2", "!s3", "!s4", "!n00", "!n11",
                        "!t16000", "!o", "x" * 300]),
    "\x01" + "\n".join(["!o", J({"type": "post_created", "post": post(1, "Hi"), "seq": 42}), "[1]", "not json",
                        J({"type": "error", "code": "unknown_type", "message": "?"}), "!c4029 3", "!t4000"]),
    "\x02" + "\n".join(["!o", J({"type": "ack", "rev": 1, "seq": 1}), J({"type": "ack", "rev": 1, "seq": 1}), "!C", "!R"]),
    "\x14" + "\n".join(["!o", "!s!now", "!c4003", "!R", "!k tok", "!c4004"]),
    "\x20" + "\n".join(["!c1006", "!t100000", "!c1006", "!t100000", "!c1006", "!t100000", "!c1006"]),
]

seeds["sse"] = [
    "\x00" + "\n".join(["!o", "!enotification\t31\t-1\t" + J(notif(31, "new")), "!econnected\t\t-1\t{}",
                        "!x0", "!t5000", "!o", "!enotification\t32\t3000\t" + J({**notif(32, "n"), "seq": 2}),
                        J({"type": "resync"}), "!eresync\t\t-1\t{}"]),
    "\x00" + "\n".join(["!o", J({"a": 1, "seq": 5}), J({"a": 1, "seq": 5}), J({"type": "snapshot", "seq": 1}),
                        "!x401", "!t1000", "!x204", "!O", "!x403", "!O", "!x404"]),
    "\x03" + "\n".join(["!o", "plain text", "x" * 100, "[1]", "!n00", "!t60000", "!n11", "!C", "!O", "!ktoken"]),
    "\x04" + "\n".join(["!x500", "!t1000", "!x500", "!t1000", "!x500", "!t1000", "!x500"]),
]

seeds["html"] = ["<div\n@class=a b\nhello\n<input\nvhi\n>\n<ul\n<li\n@data-id=1\none\n>\n<li\n@data-id=2\ntwo\n>\n>\n>\n=\n<div\n@class=b\n<ul\n<li\n@data-id=2\ntwo!\n>\n<li\n@data-id=1\none\n>\n>\n>",
                 "<a\n@href=javascript:alert(1)\n@onclick=x\n<script\n=\n<a\n@href=/ok\n@style=color: red; background: url(x)",
                 "<div\noclick=toggle\nminner <b>x</b>\n>\n<p\n" + HOSTILE[0] + "\n=\n<p\n" + HOSTILE[3],
                 "<img\n<x\n>\n>\n>\n=\n" + "<div\n" * 40, "<textarea\nvabc\n=\n<textarea\nvabd",
                 # memoized rows: reused (shared) from the tree before, moved, one changed, one nested
                 "<ul\n#1one\n<li\n@data-id=1\none\n>\n#2two\n<li\n@data-id=2\n<b\ntwo\n>\n>\n#3\n<li\n#in\n<i\nx\n>\n>\n>\n=\n"
                 "<ul\n#2two\n<li\n@data-id=2\n<b\ntwo\n>\n>\n#1one!\n<li\n@data-id=1\none!\n>\n#3\n<li\n#in\n<i\nx\n>\n>\n#2two\n<li\n@data-id=2\ntwo\n>\n>"]

def components():
    lpl = [J({"type": "snapshot", "posts": [post(1, "old"), post(3, "new"), post(2, "mid")], "seq": 7}),
           J({"type": "post_created", "post": post(4, "Hi"), "seq": 8}),
           J({"type": "post_updated", "post": post(4, "Hi!", "x" * 150), "changes": {"title": {"old": "Hi", "new": "Hi!"}}, "seq": 9}),
           J({"type": "post_deleted", "post_id": 1, "seq": 10}),
           J({"type": "post_created", "post": post(5, HOSTILE[0], HOSTILE[1]), "seq": 11}),
           J({"type": "post_created", "post": {"id": "x", "title": 5}, "seq": 12})]
    ns = [J(notif(33, "hello")), J(notif(34, HOSTILE[0], True)), J({**notif(35, "s"), "seq": 3}), J({"id": "bad"}), J({"title": "no id"})]
    cr = [J({"type": "history", "messages": [chat(3, 1, "bob", "hi"), chat(3, 1, "bob", "dup")], "seq": 1}),
          J(chat(4, 2, "alice", "hello bob")), J(chat(5, 3, HOSTILE[0], HOSTILE[4])),
          J({"type": "user_joined", "user_id": 4, "user": {"id": 4, "name": "carol"}, "message": "carol joined the room"}),
          J({"type": "user_left", "user_id": 4}), J({"type": "user_left", "user_id": 4, "message": "bob left the room"}),
          J(RATE), J({"type": "user_joined", "user_id": 5, "user": {"id": "x"}})]
    de = [J(snap), J({"type": "content_change", "rev": 3, "operations": [5, "abc"], "src": "k3j9x0", "seq": 7, "user_id": 2, "cursor_position": 8}),
          J({"type": "ack", "rev": 4, "seq": 1}), J({"type": "cursor_update", "user_id": 2, "position": 15, "rev": 4}),
          J({"type": "user_joined", "user": {"id": 5, "name": "eve", "avatar": "/a.png"}}), J({"type": "user_left", "user_id": 2}),
          J({"type": "user_joined", "user": {"id": None, "name": 7}}), J({"type": "snapshot", "rev": 9, "content": "\U0001F600x", "users": [{"id": 7}, {"name": "x"}, 3]}),
          J({"type": "error", "code": "invalid_op", "message": "the operation spans 10 characters", "seq": 1})]
    items = [{"id": i, "label": "row %d" % i} for i in range(1, 6)]
    kl = [J({"type": "set", "items": items}), J({"type": "swap", "a": 1, "b": 3}),
          J({"type": "update", "id": 2, "label": HOSTILE[0]}), J({"type": "update_every", "step": 2, "suffix": " !"}),
          J({"type": "remove", "id": 3}), J({"type": "append", "items": [{"id": "x", "label": HOSTILE[1]}, {"id": 4, "label": "dup"}]}),
          J({"type": "select", "id": 2}), J({"type": "select", "id": None}), J({"type": "clear"}),
          J({"type": "swap", "a": 0, "b": 99}), J({"type": "set", "items": [{"id": 1}, {"label": "no id"}, 5]})]
    out = {}
    out["keyed_list_msg"] = kl + COMMON
    out["keyed_list_script"] = ["\n".join(kl[:4] + ["!d0 click", "!d1 click", kl[1], "!d2 input typed", kl[1], "!d0 submit", kl[4], "!d3 click"]),
                                "\n".join([kl[0], "!d0 input a", kl[3], "!d0 input ", kl[3], kl[5], kl[1], "!d4 click", kl[8], kl[0]]),
                                "\n".join([kl[5], kl[5], kl[1], kl[6], kl[2], kl[9], kl[10], "!d0 click", "!t1000"])]
    out["live_post_list_msg"] = lpl + COMMON
    out["notification_system_msg"] = ns + COMMON
    out["chat_room_msg"] = cr + COMMON
    out["document_editor_msg"] = de + COMMON
    out["live_post_list_script"] = ["\n".join(["!o"] + lpl + ["!c1006", "!t3000", "!o", J({"type": "resync"}), lpl[0], "!d0 click", "!t30000"]),
                                    "\n".join(["!c4001", "!t2000", "!o", "!h200 " + J({"posts": [post(1, "a")]}), lpl[1]]),
                                    "\n".join(["!o", J({"type": "resync"}), "!h200 " + J([post(2, "b")]), "!h500 oops", lpl[3], "!n00", "!n11"])]
    out["notification_system_script"] = ["\n".join(["!o", "!h200 " + J({"notifications": [notif(31, "new"), notif(30, "old", True)]})] + ns +
                                                   ["!d0 click", "!h200 " + J({"notification": {**notif(33, "hello"), "read": True}, "unread_count": 1}),
                                                    "!enotification\t36\t-1\t" + J(notif(36, "x")), "!econnected\t\t-1\t{}", "!x0", "!t5000", "!o"]),
                                         "\n".join(["!o", "!h200 []", "!eresync\t\t-1\t{}", "!h200 " + J([notif(1, "a")]), "!x204", "!t60000", "!h404 {}"]),
                                         "\n".join(["!x0", "!h500 x", "!t10000", "!h200 " + J({"notifications": "bad"}), "!x401", "!t1000"]),
                                         "\n".join(["!o", "!eread\t\t-1\t" + J({"ids": [31], "unread_count": 3}), "!h200 " + J({"notifications": [notif(31, "new"), notif(30, "old")], "unread_count": 4}),
                                                    "!eread\t\t-1\t" + J({"ids": [30, "31", 1e300], "unread_count": 3}),
                                                    "!eread\t\t-1\t" + J({"all": True, "up_to": 30, "unread_count": -1}),
                                                    "!eread\t\t-1\t" + J({"ids": 5}), "!x0", "!t5000", "!o"])]
    out["chat_room_script"] = ["\n".join(["!o"] + cr + ["!d0 input hello", "!d0 submit", "!t3000", "!d0 input again", "!d0 submit", "!c1006", "!t2000", "!o"]),
                               "\n".join(["!o", cr[0], "!d0 input " + "x" * 600, "!d0 submit", J(RATE), "!t1000", "!t1000", "!t1000", "!c4001", "!t1000", "!c4003"]),
                               "\n".join(["!o", "!d0 input ", "!d0 submit", cr[1], "!n01", "!n10", "!c4029 5", "!t6000", "!o"])]
    out["document_editor_script"] = ["\n".join(["!o"] + de[:4] + ["!d0 input hello world!", "!t100", de[1], "!d0 input hi", "!c1006", "!t2000", "!o", J(snap)]),
                                      "\n".join(["!o", J(snap), "!d0 input hello there world", "!t12000", "!c1006", "!t5000", "!o", J({**snap, "rev": 5, "content": "other"})]),
                                      "\n".join(["!o"] + de[4:] + ["!d0 keydown z", "!d0 select", "!d1 click", J({"type": "resync"})])]
    lc = [J({"type": "count", "value": 41}), J({"type": "count", "value": -0.5}), J({"type": "count", "value": "43"}),
          J({"type": "count"}), J({"type": "count", "value": 1e308}), J({"type": "other", "value": 1})]
    out["live_counter_msg"] = lc + COMMON
    out["live_counter_script"] = ["\n".join(["!o"] + lc + ["!d0 click", lc[0], "!c1006", "!d0 click", "!t3000", "!o", lc[1]]),
                                  "\n".join(["!c4001", "!t2000", "!o", "!d0 click", "!c1000", "!n00", "!n11"])]
    return out

seeds.update(components())

for target, items in seeds.items():
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):
            os.remove(os.path.join(d, name))
    for s in items:
        b = s.encode("utf-8", "surrogatepass")
        with open(os.path.join(d, "seed-" + hashlib.sha1(b).hexdigest()[:12]), "wb") as f:
            f.write(b)
print("seeds:", {t: len(v) for t, v in seeds.items()})

# Dictionaries: JSON tokens, the protocol's field names and types, and the
# harness commands of each target.
JSON_TOKENS = ['{', '}', '[', ']', ':', ',', '"', 'true', 'false', 'null', '-0', '1e999', '\\u', '\\ud83d\\ude00',
               '\\"', '\\\\', '"":', '0.5', '2147483648', '9007199254740993']
FIELDS = ["type", "seq", "since", "error", "retry_after", "code", "message", "snapshot", "resync", "ping", "pong",
          "posts", "post", "post_id", "post_created", "post_updated", "post_deleted", "changes", "id", "title",
          "content", "author_id", "author_name", "published", "created_at", "updated_at", "history", "messages",
          "user", "user_id", "text", "timestamp", "user_joined", "user_left", "name", "avatar", "rev", "users",
          "cursor", "operations", "src", "ack", "content_change", "cursor_update", "position", "cursor_position",
          "join", "invalid_op", "notifications", "notification", "read", "icon", "unread_count", "ids", "all", "up_to", "d",
          "items", "label", "set", "append", "update", "update_every", "step", "suffix", "swap", "a", "b", "remove",
          "select", "clear"]
CMDS = {"ws": ["!o", "!c", "!t", "!n", "!s", "!k", "!C", "!R", "1006", "4001", "4003", "4029", "1013", "1000"],
        "sse": ["!o", "!x", "!t", "!n", "!k", "!C", "!O", "!e", "\t", "204", "401", "notification", "connected", "read"],
        "ot_client": ["!s", "!T", "!u", "!r", "!k", "!d", "!o", "!t"],
        "html": ["<", ">", "@", "v", "o", "m", "#", "=", "data-id", "href", "style", "class", "javascript:", "url(",
                 "input", "textarea", "script", "data-on-click"]}
COMPONENT_CMDS = ["!o", "!c", "!t", "!h200 ", "!x", "!e", "!n", "!d0 click", "!d0 input ", "!d1 submit", "4001", "1006"]
for target in seeds:
    words = JSON_TOKENS + ([] if target in ("html",) else ['"%s"' % f for f in FIELDS])
    words += CMDS.get(target, COMPONENT_CMDS if target.endswith("_script") else [])
    with open(os.path.join(HERE, "dict", target + ".dict"), "w") as f:
        f.write("# %s: generated by fuzz/make_seeds.py\n" % target)
        for w in words:
            f.write('"%s"\n' % "".join("\\x%02x" % b if b < 0x20 or b in (0x22, 0x5c) or b > 0x7e else chr(b)
                                       for b in w.encode()))
