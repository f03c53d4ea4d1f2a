#include "core_internal.h"

// Only the default: every manager creates (and polls) each iface listed
// here. The others are chosen with mg_mgr_init_opt(): opts.main_iface.
const struct mg_iface_vtable *mg_ifaces[] = {&MG_DEFAULT_IFACE};
int mg_num_ifaces = (int) (sizeof(mg_ifaces) / sizeof(mg_ifaces[0]));

struct mg_iface *mg_if_create_iface(const struct mg_iface_vtable *vtable,
                                    struct mg_mgr *mgr) {
  struct mg_iface *iface;
  if (vtable == NULL) return NULL;
  iface = (struct mg_iface *) MG_CALLOC(1, sizeof(*iface));
  if (iface == NULL) return NULL;
  iface->mgr = mgr;
  iface->data = NULL;
  iface->vtable = vtable;
  return iface;
}

struct mg_iface *mg_find_iface(struct mg_mgr *mgr,
                               const struct mg_iface_vtable *vtable,
                               struct mg_iface *from) {
  int i = 0;
  if (from != NULL) {
    while (i < mgr->num_ifaces && mgr->ifaces[i] != from) i++;
    i++;  // Start after from
  }
  for (; i < mgr->num_ifaces; i++) {
    if (mgr->ifaces[i]->vtable == vtable) return mgr->ifaces[i];
  }
  return NULL;
}
