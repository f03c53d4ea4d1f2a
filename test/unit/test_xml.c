// Unit tests for the XML parser and writer of the WebDAV code (src/xml.c,
// internal: this test compiles mongoose.c in, with WebDAV on): namespaces
// (prefixes, the default namespace and its undeclaration), entities and
// character references, CDATA, what is malformed, the limits, and the
// writer's output parsing back to the same tree.
#define MG_ENABLE_HTTP_WEBDAV 1
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

static struct mg_xml_node *parse_ok(const char *doc) {
  struct mg_xml_node *root = NULL;
  int rc = mg_xml_parse(mg_mk_str(doc), &root);
  if (rc != MG_XML_OK) fail_msg("not parsed (%d): %s", rc, doc);
  assert_non_null(root);
  return root;
}

static void assert_str(struct mg_str s, const char *want) {
  if (mg_vcmp(&s, want) != 0) {
    fail_msg("got \"%.*s\", want \"%s\"", (int) s.len, s.p, want);
  }
}

static void test_xml_namespaces_resolve(void **state) {
  struct mg_xml_node *r, *n;
  (void) state;
  r = parse_ok(
      "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\">"
      "<D:prop xmlns=\"urn:a\"><x/><D:getetag/><y xmlns=\"\"/>"
      "<q:z xmlns:q=\"urn:q\"/></D:prop></D:propfind>");
  assert_true(mg_xml_is(r, "DAV:", "propfind"));
  n = mg_xml_child(r, "DAV:", "prop");
  assert_non_null(n);
  n = mg_xml_first_elem(n);
  assert_true(mg_xml_is(n, "urn:a", "x"));  // The default namespace
  n = mg_xml_next_elem(n);
  assert_true(mg_xml_is(n, "DAV:", "getetag"));
  n = mg_xml_next_elem(n);
  assert_true(mg_xml_is(n, "", "y"));  // xmlns="" undeclares it
  n = mg_xml_next_elem(n);
  assert_true(mg_xml_is(n, "urn:q", "z"));
  assert_null(mg_xml_next_elem(n));
  assert_null(mg_xml_child(r, "urn:a", "prop"));  // Namespace counts
  mg_xml_free(r);
}

static void test_xml_text_entities_and_cdata(void **state) {
  struct mg_xml_node *r;
  struct mg_xml_attr *a;
  (void) state;
  r = parse_ok(
      "<r xmlns:p=\"urn:p\" a=\"&lt;&amp;&gt;\" p:b='&quot;&apos;'>"
      "x&#65;&#x42;<!-- no --><![CDATA[<&>]]>&#x20AC;<?pi ?>y</r>");
  assert_str(r->text, "xAB<&>\xe2\x82\xac" "y");
  a = r->attrs;
  assert_non_null(a);
  assert_str(a->name, "a");
  assert_str(a->ns, "");
  assert_str(a->value, "<&>");
  a = a->next;
  assert_non_null(a);  // The xmlns:p declaration is not an attribute
  assert_str(a->name, "b");
  assert_str(a->ns, "urn:p");
  assert_str(a->value, "\"'");
  assert_null(a->next);
  mg_xml_free(r);
}

static void test_xml_malformed_is_refused(void **state) {
  static const char *const bad[] = {
      "",
      "text only",
      "<a>",
      "<a></b>",
      "<a><b></a></b>",
      "<a/><b/>",
      "<a/>tail",
      "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
      "<a>&e;</a>",
      "<a>a & b</a>",
      "<a>&#0;</a>",
      "<a>&#xD800;</a>",
      "<a>&#x110000;</a>",
      "<a>\x01</a>",
      "<a><![CDATA[\x02]]></a>",
      "<a x=\"1\" x=\"2\"/>",
      "<a x=\"<\"/>",
      "<a x=1/>",
      "<p:a/>",
      "<a xmlns:p=\"\"><p:b/></a>",
      "<a xmlns:p=\"urn:1\" xmlns:q=\"urn:1\" p:x=\"1\" q:x=\"2\"/>",
      "<a><!-- open </a>",
      "<a><![CDATA[ open </a>",
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct mg_xml_node *r = NULL;
    int rc = mg_xml_parse(mg_mk_str(bad[i]), &r);
    if (rc != MG_XML_MALFORMED) fail_msg("accepted (%d): %s", rc, bad[i]);
    assert_null(r);
  }
}

static void test_xml_depth_and_attribute_limits(void **state) {
  char doc[4096];
  size_t n = 0;
  int i;
  struct mg_xml_node *r = NULL;
  (void) state;
  for (i = 0; i < MG_MAX_XML_DEPTH; i++) n += (size_t) sprintf(doc + n, "<a>");
  for (i = 0; i < MG_MAX_XML_DEPTH; i++) n += (size_t) sprintf(doc + n, "</a>");
  mg_xml_free(parse_ok(doc));  // At the limit: fine
  n = 0;
  for (i = 0; i <= MG_MAX_XML_DEPTH; i++) n += (size_t) sprintf(doc + n, "<a>");
  for (i = 0; i <= MG_MAX_XML_DEPTH; i++) {
    n += (size_t) sprintf(doc + n, "</a>");
  }
  assert_int_equal(mg_xml_parse(mg_mk_str(doc), &r), MG_XML_MALFORMED);
  n = (size_t) sprintf(doc, "<a");
  for (i = 0; i <= MG_MAX_XML_ATTRS; i++) {
    n += (size_t) sprintf(doc + n, " a%d=\"\"", i);
  }
  sprintf(doc + n, "/>");
  assert_int_equal(mg_xml_parse(mg_mk_str(doc), &r), MG_XML_MALFORMED);
  assert_null(r);
}

// The writer's output parses back to the same names, namespaces and text,
// and writing that again gives the same bytes.
static void test_xml_write_round_trip(void **state) {
  struct mg_xml_node *r, *again = NULL, *n;
  struct mbuf a, b;
  (void) state;
  mbuf_init(&a, 0);
  mbuf_init(&b, 0);
  r = parse_ok(
      "<Z:color xmlns:Z=\"urn:z\" xmlns=\"urn:d\" Z:k=\"v&amp;\">"
      "red &lt;1&gt; <shade xmlns=\"\">dark</shade><tone/></Z:color>");
  mg_xml_write(&a, r, 1);
  assert_int_equal(mg_xml_parse(mg_mk_str_n(a.buf, a.len), &again), 0);
  assert_true(mg_xml_is(again, "urn:z", "color"));
  assert_str(again->text, "red <1> ");
  assert_non_null(again->attrs);
  assert_str(again->attrs->ns, "urn:z");
  assert_str(again->attrs->value, "v&");
  n = mg_xml_first_elem(again);
  assert_true(mg_xml_is(n, "", "shade"));
  assert_str(n->text, "dark");
  assert_true(mg_xml_is(mg_xml_next_elem(n), "urn:d", "tone"));
  mg_xml_write(&b, again, 1);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.buf, b.buf, a.len);
  mbuf_free(&b);
  mbuf_init(&b, 0);
  mg_xml_write(&b, r, 0);  // Empty: the element alone
  mg_xml_free(again);
  again = NULL;
  assert_int_equal(mg_xml_parse(mg_mk_str_n(b.buf, b.len), &again), 0);
  assert_true(mg_xml_is(again, "urn:z", "color"));
  assert_null(again->child);
  mg_xml_free(again);
  mg_xml_free(r);
  mbuf_free(&a);
  mbuf_free(&b);
}

static void test_xml_escape(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  mg_xml_escape(&m, mg_mk_str("a<b>&\"c'"));
  assert_int_equal(m.len, strlen("a&lt;b&gt;&amp;&quot;c&apos;"));
  assert_memory_equal(m.buf, "a&lt;b&gt;&amp;&quot;c&apos;", m.len);
  mbuf_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xml_namespaces_resolve),
      cmocka_unit_test(test_xml_text_entities_and_cdata),
      cmocka_unit_test(test_xml_malformed_is_refused),
      cmocka_unit_test(test_xml_depth_and_attribute_limits),
      cmocka_unit_test(test_xml_write_round_trip),
      cmocka_unit_test(test_xml_escape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
