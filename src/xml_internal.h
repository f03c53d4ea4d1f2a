// A small XML parser with namespaces, for WebDAV request bodies and stored
// properties: not public API. This header goes into mongoose.c only.
#pragma once
#include "mbuf.h"
#include "str.h"

#if MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBDAV

#ifndef MG_MAX_XML_DEPTH
#define MG_MAX_XML_DEPTH 64  // Deepest element nesting: malformed above
#endif

#ifndef MG_MAX_XML_ATTRS
#define MG_MAX_XML_ATTRS 64  // Attributes of one element: malformed above
#endif

struct mg_xml_attr {
  struct mg_str ns;     // Namespace URI of a prefixed attribute, else ""
  struct mg_str name;   // Local name
  struct mg_str value;  // Entity-decoded
  struct mg_xml_attr *next;
};

// An element, or a text node (name.len == 0, text = its character data).
struct mg_xml_node {
  struct mg_str ns;           // Resolved namespace URI ("" when none)
  struct mg_str name;         // Local name; empty for a text node
  struct mg_str text;         // Element: the character data directly inside it,
                              // decoded and concatenated; text node: its data
  struct mg_xml_attr *attrs;  // Without the xmlns declarations
  struct mg_xml_node *parent, *child, *next;  // Text nodes included
};

#define MG_XML_OK 0
#define MG_XML_MALFORMED -1  // The caller answers 400
#define MG_XML_NOMEM -2      // 500

// Parses a whole document into *root (its root element); one
// mg_xml_free() frees it all. No DTD is read: a DOCTYPE is malformed.
int mg_xml_parse(struct mg_str doc, struct mg_xml_node **root);
void mg_xml_free(struct mg_xml_node *root);
// 1 if n is an element with that namespace URI and local name.
int mg_xml_is(const struct mg_xml_node *n, const char *ns, const char *name);
// The first child element of n matching ns and name, or NULL.
struct mg_xml_node *mg_xml_child(const struct mg_xml_node *n, const char *ns,
                                 const char *name);
// The first child element of n; the next element sibling of n.
struct mg_xml_node *mg_xml_first_elem(const struct mg_xml_node *n);
struct mg_xml_node *mg_xml_next_elem(const struct mg_xml_node *n);
// Appends n as a self-contained fragment: every element declares its own
// namespace (a generated prefix, or xmlns="" when it has none), so it is
// well-formed wherever it is pasted. with_content 0: an empty element.
void mg_xml_write(struct mbuf *out, const struct mg_xml_node *n,
                  int with_content);
// Appends s with & < > " ' escaped.
void mg_xml_escape(struct mbuf *out, struct mg_str s);

#endif  // MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBDAV
