// Fuzzes the XML parser of the WebDAV code (src/xml.c, internal: this
// target compiles mongoose.c in, with WebDAV on). The input is a document,
// copied into a buffer of exactly its size. A document that parses is
// written back (mg_xml_write), and what is written must parse again and
// write back to the same bytes: the writer's output is always well-formed
// and a fixed point.
#define MG_ENABLE_HTTP_WEBDAV 1
#include "../../mongoose.c"  // First: it sets the feature-test macros

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_xml_node *root = NULL, *again = NULL;
  struct mbuf a, b;
  char *doc = (char *) malloc(size > 0 ? size : 1);
  int rc;
  if (doc == NULL) abort();
  if (size > 0) memcpy(doc, data, size);
  rc = mg_xml_parse(mg_mk_str_n(doc, size), &root);
  if (rc != MG_XML_OK) {
    if (rc != MG_XML_MALFORMED && rc != MG_XML_NOMEM) abort();
    if (root != NULL) abort();
    free(doc);
    return 0;
  }
  if (root == NULL || root->name.len == 0) abort();
  mbuf_init(&a, 0);
  mbuf_init(&b, 0);
  mg_xml_write(&a, root, 1);
  if (mg_xml_parse(mg_mk_str_n(a.buf, a.len), &again) != MG_XML_OK) abort();
  if (mg_strcmp(again->name, root->name) != 0 ||
      mg_strcmp(again->ns, root->ns) != 0) {
    abort();
  }
  mg_xml_write(&b, again, 1);
  if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0) abort();
  mg_xml_free(again);
  mg_xml_free(root);
  mbuf_free(&a);
  mbuf_free(&b);
  free(doc);
  return 0;
}
