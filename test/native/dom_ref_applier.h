// dom_ref_applier.h: a reference applier of pf_dom patches for the tests.
//
// It plays the browser bindings' part on a small C++ DOM: a table from node
// id to node, ops applied strictly in order, and every rule of the format
// in runtime/pf_dom.h checked (a node is created before use, INSERT takes a
// detached node, MOVE a node already in the parent, `before` is a child of
// the parent, REMOVE forgets the subtree's ids). Any violation makes apply()
// fail, so a diff that only works by accident does not pass.
//
// Header-only (everything in an anonymous namespace) so several test files
// can use it in the one test binary.
#ifndef PF_TEST_DOM_REF_APPLIER_H
#define PF_TEST_DOM_REF_APPLIER_H

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
#include "pf_dom.h"
#include "pf_vdom.h"
}

namespace {

struct RefNode {
    int kind = PF_VNODE_ELEMENT;
    uint32_t id = 0;
    std::string tag, text, html, value;
    bool has_value = false;
    std::map<std::string, std::string> attrs;
    RefNode *parent = nullptr;
    std::vector<RefNode *> children;
};

struct RefStats {
    std::map<int, size_t> ops;       // count per opcode
    std::set<uint32_t> touched;      // ids named by any op (as id, not parent/before)
    size_t total = 0;
};

class RefDom {
  public:
    RefDom() { root_ = make(0, PF_VNODE_ELEMENT); }

    // Applies one patch; returns "" on success or a description of the
    // first violation.
    std::string apply(const uint8_t *bytes, size_t len, RefStats *stats = nullptr)
    {
        if (pf_dom_patch_check_header(bytes, len) != PF_OK)
            return "bad header";
        size_t pos = PF_DOM_HEADER_LEN;
        pf_dom_op op;
        int rc;
        while ((rc = pf_dom_patch_next(bytes, len, &pos, &op)) == 1) {
            if (stats) {
                stats->ops[op.code]++;
                stats->touched.insert(op.id);
                if (op.code == PF_DOM_CLONE)
                    for (uint32_t k = 1; k < op.count; k++)
                        stats->touched.insert(op.id + k);
                stats->total++;
            }
            std::string err = apply_op(op);
            if (!err.empty())
                return std::string(pf_dom_opcode_name(op.code)) + ": " + err;
        }
        return rc == 0 ? "" : "malformed op";
    }

    // Compares the DOM with a tree, ids included. "" when equal.
    std::string compare(const pf_vdom *tree) const
    {
        return compare_children(root_, pf_vdom_root(tree), "root");
    }

    size_t live_ids() const { return nodes_.size(); }
    const RefNode *root() const { return root_; }
    RefNode *mutable_node(uint32_t id) { return get(id); }
    const RefNode *node(uint32_t id) const
    {
        auto it = nodes_.find(id);
        return it == nodes_.end() ? nullptr : it->second.get();
    }

  private:
    std::unordered_map<uint32_t, std::unique_ptr<RefNode>> nodes_;
    RefNode *root_;
    uint32_t max_created_ = 0;

    RefNode *make(uint32_t id, int kind)
    {
        auto n = std::make_unique<RefNode>();
        n->id = id;
        n->kind = kind;
        RefNode *p = n.get();
        nodes_[id] = std::move(n);
        return p;
    }

    RefNode *get(uint32_t id)
    {
        auto it = nodes_.find(id);
        return it == nodes_.end() ? nullptr : it->second.get();
    }

    void forget(RefNode *n)
    {
        std::vector<RefNode *> kids = n->children;
        for (RefNode *k : kids)
            forget(k);
        nodes_.erase(n->id);
    }

    // cloneNode(true): tag, text, attributes and children; trusted markup
    // is copied as the browser copies the nodes it made. The value property
    // is not an attribute and is left out (the diff never clones controls).
    // Ids are bound in preorder from `id`; returns the nodes made.
    uint32_t clone_into(const RefNode *src, uint32_t id, RefNode *parent, RefNode **top)
    {
        RefNode *n = make(id, src->kind);
        n->tag = src->tag;
        n->text = src->text;
        n->html = src->html;
        n->attrs = src->attrs;
        n->parent = parent;
        if (parent)
            parent->children.push_back(n);
        if (top)
            *top = n;
        uint32_t used = 1;
        for (const RefNode *k : src->children)
            used += clone_into(k, id + used, n, nullptr);
        return used;
    }

    static bool holds_markup(const RefNode *n)
    {
        if (!n->html.empty())
            return true;
        for (const RefNode *c : n->children)
            if (holds_markup(c))
                return true;
        return false;
    }

    static uint32_t subtree_size(const RefNode *n)
    {
        uint32_t k = 1;
        for (const RefNode *c : n->children)
            k += subtree_size(c);
        return k;
    }

    static long index_in(RefNode *parent, RefNode *child)
    {
        for (size_t i = 0; i < parent->children.size(); i++)
            if (parent->children[i] == child)
                return (long)i;
        return -1;
    }

    std::string apply_op(const pf_dom_op &op)
    {
        std::string s(op.str ? op.str : "", op.str_len);
        std::string s2(op.str2 ? op.str2 : "", op.str2_len);
        switch (op.code) {
        case PF_DOM_CREATE_ELEMENT:
        case PF_DOM_CREATE_TEXT: {
            if (op.id == 0 || get(op.id))
                return "id already bound";
            if (op.id <= max_created_)
                return "id reused";
            max_created_ = op.id;
            RefNode *n = make(op.id, op.code == PF_DOM_CREATE_TEXT ? PF_VNODE_TEXT : PF_VNODE_ELEMENT);
            if (op.code == PF_DOM_CREATE_TEXT)
                n->text = s;
            else
                n->tag = s;
            return "";
        }
        case PF_DOM_INSERT:
        case PF_DOM_MOVE: {
            RefNode *p = get(op.parent), *n = get(op.id);
            if (!p || !n || p->kind != PF_VNODE_ELEMENT || n == root_)
                return "unknown node";
            if (!p->html.empty())
                return "insert into trusted markup";
            if (op.code == PF_DOM_INSERT && n->parent)
                return "INSERT of an attached node";
            if (op.code == PF_DOM_MOVE && n->parent != p)
                return "MOVE of a node not in the parent";
            if (n->parent)
                n->parent->children.erase(n->parent->children.begin() + index_in(n->parent, n));
            n->parent = p;
            if (op.before == 0) {
                p->children.push_back(n);
                return "";
            }
            RefNode *b = get(op.before);
            long i = b ? index_in(p, b) : -1;
            if (i < 0)
                return "before is not a child of parent";
            p->children.insert(p->children.begin() + i, n);
            return "";
        }
        case PF_DOM_REMOVE: {
            RefNode *n = get(op.id);
            if (!n || !n->parent)
                return "remove of unknown or detached node";
            n->parent->children.erase(n->parent->children.begin() + index_in(n->parent, n));
            forget(n);
            return "";
        }
        case PF_DOM_SET_ATTR:
        case PF_DOM_REMOVE_ATTR: {
            RefNode *n = get(op.id);
            if (!n || n->kind != PF_VNODE_ELEMENT || n == root_)
                return "attribute on a non-element";
            if (s.size() >= 2 && (s[0] == 'o' || s[0] == 'O') && (s[1] == 'n' || s[1] == 'N'))
                return "event handler attribute reached the DOM";
            if (op.code == PF_DOM_SET_ATTR)
                n->attrs[s] = s2;
            else if (!n->attrs.erase(s))
                return "removing an absent attribute";
            return "";
        }
        case PF_DOM_CLONE: {
            RefNode *src = get(op.src);
            if (!src || src == root_)
                return "clone of an unknown node";
            if (holds_markup(src))
                return "clone of trusted markup (its nodes would take ids)";
            if (subtree_size(src) != op.count)
                return "clone count does not match the source";
            for (uint32_t k = 0; k < op.count; k++) {
                if (op.id + k == 0 || get(op.id + k))
                    return "id already bound";
                if (op.id + k <= max_created_)
                    return "id reused";
            }
            max_created_ = op.id + op.count - 1;
            clone_into(src, op.id, nullptr, nullptr);
            return "";
        }
        case PF_DOM_SET_TEXT: {
            RefNode *n = get(op.id);
            if (!n || n->kind != PF_VNODE_TEXT)
                return "SET_TEXT on a non-text node";
            n->text = s;
            return "";
        }
        case PF_DOM_SET_VALUE: {
            RefNode *n = get(op.id);
            if (!n || n->kind != PF_VNODE_ELEMENT)
                return "SET_VALUE on a non-element";
            n->value = s;
            n->has_value = true;
            return "";
        }
        case PF_DOM_SET_HTML: {
            RefNode *n = get(op.id);
            if (!n || n->kind != PF_VNODE_ELEMENT)
                return "SET_HTML on a non-element";
            std::vector<RefNode *> kids = n->children;
            n->children.clear();
            for (RefNode *k : kids)
                forget(k);
            n->html = s;
            return "";
        }
        default:
            return "unknown op";
        }
    }

    static std::string compare_node(const RefNode *r, const pf_vnode *v, const std::string &path)
    {
        if (r->id != v->id)
            return path + ": id " + std::to_string(r->id) + " != " + std::to_string(v->id);
        if (r->kind != v->kind)
            return path + ": kind";
        if (v->kind == PF_VNODE_TEXT)
            return r->text == std::string(v->text, v->text_len) ? "" : path + ": text";
        if (r->tag != std::string(v->tag, v->tag_len))
            return path + ": tag";
        std::map<std::string, std::string> want;
        for (const pf_vattr *a = v->attrs; a; a = a->next)
            want[std::string(a->name, a->name_len)] = std::string(a->value, a->value_len);
        if (want != r->attrs)
            return path + ": attributes";
        if (v->has_value && (!r->has_value || r->value != std::string(v->value, v->value_len)))
            return path + ": value";
        return compare_children(r, v, path);
    }

    static std::string compare_children(const RefNode *r, const pf_vnode *v, const std::string &path)
    {
        std::string html = v->has_html ? std::string(v->text, v->text_len) : std::string();
        if (r->html != html)
            return path + ": trusted markup";
        if (r->children.size() != v->child_count)
            return path + ": child count " + std::to_string(r->children.size()) + " != " +
                   std::to_string(v->child_count);
        size_t i = 0;
        for (const pf_vnode *c = v->first_child; c; c = c->next, i++) {
            std::string e = compare_node(r->children[i], c, path + "/" + std::to_string(i));
            if (!e.empty())
                return e;
        }
        return "";
    }
};

}  // namespace

#endif
