/* pf_components.c: the registry of built-in components (see pf_components.h). */
#include "pf_components.h"

#include <stddef.h>

#include "pf_component.h"
#include "pf_error.h"

extern const pf_component_class pf_live_post_list_class; /* pf_live_post_list.c */
extern const pf_component_class pf_notification_system_class; /* pf_notification_system.c */
extern const pf_component_class pf_chat_room_class; /* pf_chat_room.c */
extern const pf_component_class pf_document_editor_class; /* pf_document_editor.c */

/* The built-in classes, one per file of components/. Filled in as the
 * components land. */
static const pf_component_class *const builtin[] = {
    &pf_live_post_list_class,
    &pf_notification_system_class,
    &pf_chat_room_class,
    &pf_document_editor_class,
    NULL,
};

int pf_components_register_builtin(void)
{
    for (size_t i = 0; builtin[i]; i++) {
        int rc = pf_component_register(builtin[i]);
        if (rc != PF_OK && rc != PF_EEXIST)
            return rc;
    }
    return PF_OK;
}
