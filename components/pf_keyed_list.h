/*
 * pf_keyed_list.h: KeyedList, a generic keyed list component (the row of
 * the js-framework-benchmark) and the teaching example of a component
 * written in C. See components/pf_keyed_list.c for its state, markup,
 * messages and events.
 */
#ifndef PF_KEYED_LIST_H
#define PF_KEYED_LIST_H

#include "pf_component.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The class, registered as "KeyedList" by pf_components_register_builtin. */
extern const pf_component_class pf_keyed_list_class;

#ifdef __cplusplus
}
#endif

#endif /* PF_KEYED_LIST_H */
