/*
 * pf_components.h: the live components that ship with pyframe_rt.
 *
 * Each component is a pf_component_class (runtime/pf_component.h) defined
 * in its own file of components/. pf_components_register_builtin adds them
 * all to the registry; the bindings call it once when the runtime loads, so
 * that PyFrameRT.mount('LivePostList', ...) finds them by name.
 */
#ifndef PF_COMPONENTS_H
#define PF_COMPONENTS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Registers every built-in component class. Classes already registered
 * (a second call) are skipped. Returns PF_OK or the first other error. */
int pf_components_register_builtin(void);

#ifdef __cplusplus
}
#endif

#endif /* PF_COMPONENTS_H */
