#include "xml_internal.h"
#include "util.h"

// A non-validating XML 1.0 parser with Namespaces 1.0, for small documents
// held whole in memory (WebDAV bodies, stored properties).
//
// - One allocation per document: nodes, attributes, namespace bindings
//   and decoded strings are carved from a block sized from the input.
// - Iterative; nesting is limited to MG_MAX_XML_DEPTH, attributes per
//   element to MG_MAX_XML_ATTRS.
// - Malformed: a DOCTYPE (no DTD, no entity but the five predefined and
//   character references), undeclared prefixes, a prefix bound to "",
//   mismatched tags, '<' or a bare '&' in text or values, control bytes,
//   duplicate attributes, content outside the root element.

#if MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBDAV

#define XML_NS "http://www.w3.org/XML/1998/namespace"

struct xml_ns {
  struct mg_str prefix, uri;
  int depth;
};

struct xml_p {
  const char *s, *e;  // Input left
  struct mg_xml_node *nodes;
  size_t nn, cap_n;
  struct mg_xml_attr *attrs;
  size_t na, cap_a;
  struct xml_ns *ns;
  size_t nns, cap_ns;
  char *str;  // Decoded strings
  size_t ns_used, cap_s;
};

static int xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int xml_name_char(unsigned char c) {
  return c >= 0x80 || isalnum(c) || c == '_' || c == '-' || c == '.' ||
         c == ':';
}

static void xml_skip_ws(struct xml_p *p) {
  while (p->s < p->e && xml_space(*p->s)) p->s++;
}

// Reads a name at p->s; returns it empty if there is none.
static struct mg_str xml_name(struct xml_p *p) {
  const char *b = p->s;
  unsigned char c;
  if (p->s < p->e) {
    c = (unsigned char) *p->s;
    if (isdigit(c) || c == '-' || c == '.' || c == ':')
      return mg_mk_str_n(b, 0);
  }
  while (p->s < p->e && xml_name_char((unsigned char) *p->s)) p->s++;
  return mg_mk_str_n(b, (size_t) (p->s - b));
}

// Finds the end marker m from p->s; moves past it. Returns the bytes
// before it, p == NULL if absent.
static struct mg_str xml_until(struct xml_p *p, const char *m) {
  size_t ml = strlen(m);
  const char *q;
  for (q = p->s; q + ml <= p->e; q++) {
    if (memcmp(q, m, ml) == 0) {
      struct mg_str r = mg_mk_str_n(p->s, (size_t) (q - p->s));
      p->s = q + ml;
      return r;
    }
  }
  return mg_mk_str_n(NULL, 0);
}

static int xml_put_utf8(char *o, unsigned long c) {
  if (c < 0x80) {
    o[0] = (char) c;
    return 1;
  } else if (c < 0x800) {
    o[0] = (char) (0xc0 | (c >> 6));
    o[1] = (char) (0x80 | (c & 0x3f));
    return 2;
  } else if (c < 0x10000) {
    o[0] = (char) (0xe0 | (c >> 12));
    o[1] = (char) (0x80 | ((c >> 6) & 0x3f));
    o[2] = (char) (0x80 | (c & 0x3f));
    return 3;
  }
  o[0] = (char) (0xf0 | (c >> 18));
  o[1] = (char) (0x80 | ((c >> 12) & 0x3f));
  o[2] = (char) (0x80 | ((c >> 6) & 0x3f));
  o[3] = (char) (0x80 | (c & 0x3f));
  return 4;
}

static int xml_char_ok(unsigned long c) {
  return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
         (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

// 1 if s has no control byte but tab, LF and CR (XML 1.0 Char).
static int xml_no_ctl(struct mg_str s) {
  size_t i;
  for (i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char) s.p[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return 0;
  }
  return 1;
}

// Decodes raw (entities; attr: no '<') into the string area. Returns 0 if
// malformed.
static int xml_decode(struct xml_p *p, struct mg_str raw, int attr,
                      struct mg_str *out) {
  char *o = p->str + p->ns_used, *b = o;
  size_t i = 0, j;
  while (i < raw.len) {
    unsigned char c = (unsigned char) raw.p[i];
    if (c == '<' || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
      return 0;
    }
    if (c != '&') {
      *o++ = (char) c;
      i++;
      continue;
    }
    for (j = i + 1; j < raw.len && raw.p[j] != ';'; j++) {
    }
    if (j >= raw.len || j - i > 12) return 0;
    {
      struct mg_str ent = mg_mk_str_n(raw.p + i + 1, j - i - 1);
      if (mg_vcmp(&ent, "lt") == 0) {
        *o++ = '<';
      } else if (mg_vcmp(&ent, "gt") == 0) {
        *o++ = '>';
      } else if (mg_vcmp(&ent, "amp") == 0) {
        *o++ = '&';
      } else if (mg_vcmp(&ent, "quot") == 0) {
        *o++ = '"';
      } else if (mg_vcmp(&ent, "apos") == 0) {
        *o++ = '\'';
      } else if (ent.len >= 2 && ent.p[0] == '#') {
        unsigned long v = 0;
        size_t k = 1;
        int hex = ent.p[1] == 'x';
        if (hex) k++;
        if (k >= ent.len) return 0;
        for (; k < ent.len; k++) {
          int d = (unsigned char) ent.p[k];
          if (isdigit(d)) {
            d -= '0';
          } else if (hex && isxdigit(d)) {
            d = tolower(d) - 'a' + 10;
          } else {
            return 0;
          }
          v = v * (hex ? 16 : 10) + (unsigned long) d;
          if (v > 0x10ffff) return 0;
        }
        if (!xml_char_ok(v)) return 0;
        o += xml_put_utf8(o, v);
      } else {
        return 0;
      }
    }
    i = j + 1;
  }
  (void) attr;
  *out = mg_mk_str_n(b, (size_t) (o - b));
  p->ns_used += (size_t) (o - b);
  return 1;
}

// Resolves prefix (elem: the default namespace applies to no prefix).
static int xml_resolve(struct xml_p *p, struct mg_str prefix, int elem,
                       struct mg_str *uri) {
  size_t i = p->nns;
  if (prefix.len == 0 && !elem) {
    *uri = mg_mk_str_n("", 0);
    return 1;
  }
  if (mg_vcmp(&prefix, "xml") == 0) {
    *uri = mg_mk_str(XML_NS);
    return 1;
  }
  while (i-- > 0) {
    if (mg_strcmp(p->ns[i].prefix, prefix) == 0) {
      *uri = p->ns[i].uri;
      return 1;
    }
  }
  *uri = mg_mk_str_n("", 0);
  return prefix.len == 0;
}

static void xml_split(struct mg_str q, struct mg_str *prefix,
                      struct mg_str *local) {
  const char *c = mg_strchr(q, ':');
  if (c == NULL) {
    *prefix = mg_mk_str_n(q.p, 0);
    *local = q;
  } else {
    *prefix = mg_mk_str_n(q.p, (size_t) (c - q.p));
    *local = mg_mk_str_n(c + 1, (size_t) (q.p + q.len - c - 1));
  }
}

static struct mg_xml_node *xml_node(struct xml_p *p, struct mg_xml_node *par) {
  struct mg_xml_node *n, *last;
  if (p->nn >= p->cap_n) return NULL;
  n = &p->nodes[p->nn++];
  memset(n, 0, sizeof(*n));
  n->parent = par;
  if (par != NULL) {
    if (par->child == NULL) {
      par->child = n;
    } else {
      for (last = par->child; last->next != NULL; last = last->next) {
      }
      last->next = n;
    }
  }
  return n;
}

// A start tag after its '<'. Returns 1 (*self_closing set), 0 malformed.
static int xml_start_tag(struct xml_p *p, struct mg_xml_node *n, int depth,
                         int *self_closing, struct mg_str *qname) {
  struct mg_str raw_names[MG_MAX_XML_ATTRS], prefix, local;
  struct mg_xml_attr *a[MG_MAX_XML_ATTRS];
  size_t na = 0, i, k;
  *qname = xml_name(p);
  if (qname->len == 0) return 0;
  for (;;) {
    const char *before = p->s;
    struct mg_str an, av;
    char q;
    xml_skip_ws(p);
    if (p->s >= p->e) return 0;
    if (*p->s == '>' || *p->s == '/') break;
    if (p->s == before) return 0;  // Attributes need space between them
    an = xml_name(p);
    if (an.len == 0 || na >= MG_MAX_XML_ATTRS) return 0;
    xml_skip_ws(p);
    if (p->s >= p->e || *p->s++ != '=') return 0;
    xml_skip_ws(p);
    if (p->s >= p->e || (*p->s != '"' && *p->s != '\'')) return 0;
    q = *p->s++;
    av.p = p->s;
    while (p->s < p->e && *p->s != q) p->s++;
    if (p->s >= p->e) return 0;
    av.len = (size_t) (p->s++ - av.p);
    for (i = 0; i < na; i++) {
      if (mg_strcmp(raw_names[i], an) == 0) return 0;
    }
    raw_names[na] = an;
    if (p->na >= p->cap_a) return 0;
    a[na] = &p->attrs[p->na++];
    memset(a[na], 0, sizeof(*a[na]));
    a[na]->name = an;
    if (!xml_decode(p, av, 1, &a[na]->value)) return 0;
    if (mg_vcmp(&an, "xmlns") == 0 ||
        (an.len > 6 && memcmp(an.p, "xmlns:", 6) == 0)) {
      struct mg_str pre =
          mg_mk_str_n(an.p + (an.len > 5 ? 6 : 5), an.len > 5 ? an.len - 6 : 0);
      if (pre.len > 0 && a[na]->value.len == 0) return 0;  // Namespaces 1.0
      if (mg_vcmp(&pre, "xml") == 0 || mg_vcmp(&pre, "xmlns") == 0) {
        if (mg_vcmp(&pre, "xml") != 0 || mg_vcmp(&a[na]->value, XML_NS) != 0) {
          return 0;
        }
      } else {
        if (p->nns >= p->cap_ns) return 0;
        p->ns[p->nns].prefix = pre;
        p->ns[p->nns].uri = a[na]->value;
        p->ns[p->nns].depth = depth;
        p->nns++;
      }
      a[na]->name.len = 0;  // Not an attribute of the element
    }
    na++;
  }
  if (*p->s == '/') {
    if (p->e - p->s < 2 || p->s[1] != '>') return 0;
    p->s += 2;
    *self_closing = 1;
  } else {
    p->s++;
    *self_closing = 0;
  }
  xml_split(*qname, &prefix, &local);
  if (local.len == 0 || mg_strchr(local, ':') != NULL ||
      !xml_resolve(p, prefix, 1, &n->ns)) {
    return 0;
  }
  n->name = local;
  for (i = 0; i < na; i++) {
    if (a[i]->name.len == 0) continue;
    xml_split(a[i]->name, &prefix, &local);
    if (local.len == 0 || mg_strchr(local, ':') != NULL ||
        !xml_resolve(p, prefix, 0, &a[i]->ns)) {
      return 0;
    }
    a[i]->name = local;
    for (k = 0; k < i; k++) {  // The same expanded name twice
      if (a[k]->name.len > 0 && mg_strcmp(a[k]->name, local) == 0 &&
          mg_strcmp(a[k]->ns, a[i]->ns) == 0) {
        return 0;
      }
    }
  }
  for (i = na; i-- > 0;) {
    if (a[i]->name.len == 0) continue;
    a[i]->next = n->attrs;
    n->attrs = a[i];
  }
  return 1;
}

// Concatenates the text children of n into n->text.
static void xml_gather_text(struct xml_p *p, struct mg_xml_node *n) {
  struct mg_xml_node *c;
  char *b = p->str + p->ns_used;
  size_t len = 0;
  for (c = n->child; c != NULL; c = c->next) {
    if (c->name.len > 0) continue;
    if (n->child->next == NULL) {  // Just one: share it
      n->text = c->text;
      return;
    }
    memcpy(b + len, c->text.p, c->text.len);
    len += c->text.len;
  }
  n->text = mg_mk_str_n(b, len);
  p->ns_used += len;
}

static int xml_run(struct xml_p *p, struct mg_xml_node **root) {
  struct mg_xml_node *stack[MG_MAX_XML_DEPTH], *n;
  struct mg_str qnames[MG_MAX_XML_DEPTH], q, body;
  int depth = 0, done = 0, sc;
  *root = NULL;
  while (p->s < p->e) {
    if (*p->s != '<') {
      const char *b = p->s;
      while (p->s < p->e && *p->s != '<') p->s++;
      body = mg_mk_str_n(b, (size_t) (p->s - b));
      if (depth == 0) {
        size_t i;
        for (i = 0; i < body.len; i++) {
          if (!xml_space(body.p[i])) return MG_XML_MALFORMED;
        }
        continue;
      }
      if ((n = xml_node(p, stack[depth - 1])) == NULL) return MG_XML_NOMEM;
      if (!xml_decode(p, body, 0, &n->text)) return MG_XML_MALFORMED;
      continue;
    }
    if (p->e - p->s >= 4 && memcmp(p->s, "<!--", 4) == 0) {
      p->s += 4;
      if (xml_until(p, "-->").p == NULL) return MG_XML_MALFORMED;
    } else if (p->e - p->s >= 2 && memcmp(p->s, "<?", 2) == 0) {
      p->s += 2;
      if (xml_until(p, "?>").p == NULL) return MG_XML_MALFORMED;
    } else if (p->e - p->s >= 9 && memcmp(p->s, "<![CDATA[", 9) == 0) {
      p->s += 9;
      body = xml_until(p, "]]>");
      if (depth == 0 || body.p == NULL || !xml_no_ctl(body)) {
        return MG_XML_MALFORMED;
      }
      // An empty section adds no text node: the element stays empty, as
      // it is written back and read again.
      if (body.len > 0) {
        if ((n = xml_node(p, stack[depth - 1])) == NULL) return MG_XML_NOMEM;
        n->text = body;
      }
    } else if (p->e - p->s >= 2 && p->s[1] == '!') {
      return MG_XML_MALFORMED;  // DOCTYPE and the like
    } else if (p->e - p->s >= 2 && p->s[1] == '/') {
      p->s += 2;
      q = xml_name(p);
      xml_skip_ws(p);
      if (depth == 0 || p->s >= p->e || *p->s != '>' ||
          mg_strcmp(q, qnames[depth - 1]) != 0) {
        return MG_XML_MALFORMED;
      }
      p->s++;
      xml_gather_text(p, stack[depth - 1]);
      while (p->nns > 0 && p->ns[p->nns - 1].depth == depth) p->nns--;
      if (--depth == 0) done = 1;
    } else {
      if (done || depth >= MG_MAX_XML_DEPTH) return MG_XML_MALFORMED;
      if ((n = xml_node(p, depth > 0 ? stack[depth - 1] : NULL)) == NULL) {
        return MG_XML_NOMEM;
      }
      if (*root == NULL) *root = n;
      p->s++;
      if (!xml_start_tag(p, n, depth + 1, &sc, &q)) return MG_XML_MALFORMED;
      if (sc) {
        while (p->nns > 0 && p->ns[p->nns - 1].depth == depth + 1) p->nns--;
        if (depth == 0) done = 1;
      } else {
        stack[depth] = n;
        qnames[depth++] = q;
      }
    }
  }
  return done && depth == 0 ? MG_XML_OK : MG_XML_MALFORMED;
}

int mg_xml_parse(struct mg_str doc, struct mg_xml_node **root) {
  struct xml_p p;
  size_t lt = 0, eq = 0, i, size;
  char *block;
  int res;
  *root = NULL;
  for (i = 0; i < doc.len; i++) {
    if (doc.p[i] == '<') lt++;
    if (doc.p[i] == '=') eq++;
    if (doc.p[i] == '\0') return MG_XML_MALFORMED;
  }
  memset(&p, 0, sizeof(p));
  p.cap_n = 2 * lt + 1;  // Elements, and a text node after each tag
  p.cap_a = eq + 1;
  p.cap_ns = eq + 1;
  p.cap_s = 2 * doc.len + 1;
  size = p.cap_n * sizeof(*p.nodes) + p.cap_a * sizeof(*p.attrs) +
         p.cap_ns * sizeof(*p.ns) + p.cap_s;
  if ((block = (char *) MG_MALLOC(size)) == NULL) return MG_XML_NOMEM;
  p.nodes = (struct mg_xml_node *) (void *) block;
  p.attrs = (struct mg_xml_attr *) (void *) (p.nodes + p.cap_n);
  p.ns = (struct xml_ns *) (void *) (p.attrs + p.cap_a);
  p.str = (char *) (p.ns + p.cap_ns);
  p.s = doc.p;
  p.e = doc.p + doc.len;
  res = xml_run(&p, root);
  if (res != MG_XML_OK || *root == NULL) {
    MG_FREE(block);
    *root = NULL;
    return res != MG_XML_OK ? res : MG_XML_MALFORMED;
  }
  return MG_XML_OK;
}

void mg_xml_free(struct mg_xml_node *root) {
  MG_FREE(root);  // The root is the first node of the block
}

int mg_xml_is(const struct mg_xml_node *n, const char *ns, const char *name) {
  return n != NULL && n->name.len > 0 && mg_vcmp(&n->ns, ns) == 0 &&
         mg_vcmp(&n->name, name) == 0;
}

struct mg_xml_node *mg_xml_first_elem(const struct mg_xml_node *n) {
  struct mg_xml_node *c = n == NULL ? NULL : n->child;
  while (c != NULL && c->name.len == 0) c = c->next;
  return c;
}

struct mg_xml_node *mg_xml_next_elem(const struct mg_xml_node *n) {
  struct mg_xml_node *c = n == NULL ? NULL : n->next;
  while (c != NULL && c->name.len == 0) c = c->next;
  return c;
}

struct mg_xml_node *mg_xml_child(const struct mg_xml_node *n, const char *ns,
                                 const char *name) {
  struct mg_xml_node *c;
  for (c = mg_xml_first_elem(n); c != NULL; c = mg_xml_next_elem(c)) {
    if (mg_xml_is(c, ns, name)) return c;
  }
  return NULL;
}

void mg_xml_escape(struct mbuf *out, struct mg_str s) {
  size_t i, start = 0;
  const char *rep;
  for (i = 0; i < s.len; i++) {
    switch (s.p[i]) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        rep = "&quot;";
        break;
      case '\'':
        rep = "&apos;";
        break;
      case '\r':
        rep = "&#13;";
        break;
      default:
        continue;
    }
    mbuf_append(out, s.p + start, i - start);
    mbuf_append(out, rep, strlen(rep));
    start = i + 1;
  }
  mbuf_append(out, s.p + start, s.len - start);
}

static void xml_puts(struct mbuf *out, const char *s) {
  mbuf_append(out, s, strlen(s));
}

// Writes the start tag of n (level: its nesting in the fragment).
static void xml_write_open(struct mbuf *out, const struct mg_xml_node *n,
                           int level, int empty) {
  const struct mg_xml_attr *a;
  char pre[16];
  int k = 0;
  snprintf(pre, sizeof(pre), "p%d", level);
  xml_puts(out, "<");
  if (n->ns.len > 0) {
    xml_puts(out, pre);
    xml_puts(out, ":");
  }
  mbuf_append(out, n->name.p, n->name.len);
  if (n->ns.len > 0) {
    xml_puts(out, " xmlns:");
    xml_puts(out, pre);
    xml_puts(out, "=\"");
    mg_xml_escape(out, n->ns);
    xml_puts(out, "\"");
  } else {
    xml_puts(out, " xmlns=\"\"");
  }
  for (a = n->attrs; a != NULL; a = a->next, k++) {
    char apre[16];
    xml_puts(out, " ");
    if (mg_vcmp(&a->ns, XML_NS) == 0) {
      xml_puts(out, "xml:");
    } else if (a->ns.len > 0) {
      snprintf(apre, sizeof(apre), "a%d", k);
      xml_puts(out, "xmlns:");
      xml_puts(out, apre);
      xml_puts(out, "=\"");
      mg_xml_escape(out, a->ns);
      xml_puts(out, "\" ");
      xml_puts(out, apre);
      xml_puts(out, ":");
    }
    mbuf_append(out, a->name.p, a->name.len);
    xml_puts(out, "=\"");
    mg_xml_escape(out, a->value);
    xml_puts(out, "\"");
  }
  xml_puts(out, empty ? "/>" : ">");
}

static void xml_write_close(struct mbuf *out, const struct mg_xml_node *n,
                            int level) {
  char pre[16];
  snprintf(pre, sizeof(pre), "p%d:", level);
  xml_puts(out, "</");
  if (n->ns.len > 0) xml_puts(out, pre);
  mbuf_append(out, n->name.p, n->name.len);
  xml_puts(out, ">");
}

// Depth-first without recursion: parents are followed back up.
void mg_xml_write(struct mbuf *out, const struct mg_xml_node *n,
                  int with_content) {
  const struct mg_xml_node *c;
  int level = 0;
  if (n == NULL) return;
  if (n->name.len == 0) {
    mg_xml_escape(out, n->text);
    return;
  }
  if (!with_content || n->child == NULL) {
    xml_write_open(out, n, 0, 1);
    return;
  }
  xml_write_open(out, n, 0, 0);
  c = n->child;
  while (c != NULL) {
    if (c->name.len == 0) {
      mg_xml_escape(out, c->text);
    } else if (c->child != NULL) {
      xml_write_open(out, c, ++level, 0);
      c = c->child;
      continue;
    } else {
      xml_write_open(out, c, level + 1, 1);
    }
    while (c != n && c->next == NULL) {
      c = c->parent;
      if (c == n) break;
      xml_write_close(out, c, level--);
    }
    if (c == n) break;
    c = c->next;
  }
  xml_write_close(out, n, 0);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBDAV
