// Unit tests for src/http_path.c, the path safety of mg_serve_http():
// decoding and normalising the request path, joining it to the root,
// hidden names, and the real-path check of what is opened (symlinks in a
// scratch directory). The module's functions are internal, so the test
// includes the amalgamation.
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

// Decodes uri; returns the status, and the path in *out (freed by caller).
static int decode(const char *uri, char **out) {
  return mg_http_path_decode(mg_mk_str(uri), out);
}

static void expect_path(const char *uri, const char *want) {
  char *p = NULL;
  assert_int_equal(decode(uri, &p), 0);
  assert_non_null(p);
  assert_string_equal(p, want);
  MG_FREE(p);
}

static void expect_status(const char *uri, int status) {
  char *p = NULL;
  assert_int_equal(decode(uri, &p), status);
  MG_FREE(p);
}

static void test_path_decode_plain_and_escaped(void **state) {
  (void) state;
  expect_path("/", "/");
  expect_path("/a/b.txt", "/a/b.txt");
  expect_path("/a%20b", "/a b");
  expect_path("/a+b", "/a+b");  // '+' is a plus in a path, not a space
  expect_path("/%41%42", "/AB");
}

static void test_path_decode_normalises_dots(void **state) {
  (void) state;
  expect_path("/a/./b/../c", "/a/c");
  expect_path("/a//b", "/a/b");  // Repeated slashes collapse
  expect_path("/a/b/..", "/a/");
}

static void test_path_decode_dotdot_above_root_is_404(void **state) {
  (void) state;
  expect_status("/..", 404);
  expect_status("/../etc/passwd", 404);
  expect_status("/a/../../b", 404);
  expect_status("/%2e%2e/x", 404);  // Decoded first, then normalised
}

static void test_path_decode_encoded_separators_are_404(void **state) {
  (void) state;
  expect_status("/a%2fb", 404);
  expect_status("/a%2Fb", 404);
  expect_status("/a%5cb", 404);
  expect_status("/a%5Cb", 404);
}

static void test_path_decode_nul_and_backslash_are_404(void **state) {
  (void) state;
  expect_status("/a%00b", 404);
  expect_status("/a\\b", 404);
}

static void test_path_decode_bad_escape_is_400(void **state) {
  (void) state;
  expect_status("/a%zz", 400);
  expect_status("/a%4", 400);
}

static void test_path_decode_absolute_form_uses_path(void **state) {
  (void) state;
  expect_path("http://example.com/x/y", "/x/y");
  expect_path("http://example.com", "/");
}

static void test_path_join_strips_root_slashes(void **state) {
  size_t rl = 0;
  char *p;
  (void) state;
  p = mg_http_path_join("/srv/www//", "/a.txt", &rl);
  assert_string_equal(p, "/srv/www/a.txt");
  assert_int_equal(rl, 8);
  MG_FREE(p);
  p = mg_http_path_join("root", "x", &rl);
  assert_string_equal(p, "root/x");
  assert_int_equal(rl, 4);
  MG_FREE(p);
  p = mg_http_path_join("/", "", &rl);  // The filesystem root itself
  assert_string_equal(p, "/");
  assert_int_equal(rl, 0);
  MG_FREE(p);
}

static void test_path_join_name_adds_one_slash(void **state) {
  char *p;
  (void) state;
  p = mg_http_path_join_name("/d", mg_mk_str("f"));
  assert_string_equal(p, "/d/f");
  MG_FREE(p);
  p = mg_http_path_join_name("/d/", mg_mk_str("f"));
  assert_string_equal(p, "/d/f");
  MG_FREE(p);
}

static void test_path_hidden_names_and_auth_file(void **state) {
  struct mg_serve_http_opts o;
  (void) state;
  memset(&o, 0, sizeof(o));
  assert_false(mg_http_path_name_hidden(&o, mg_mk_str(".git")));
  o.hidden_file_pattern = ".*|*.bak";
  o.per_directory_auth_file = ".htpasswd";
  assert_true(mg_http_path_name_hidden(&o, mg_mk_str(".git")));
  assert_true(mg_http_path_name_hidden(&o, mg_mk_str("x.bak")));
  assert_false(mg_http_path_name_hidden(&o, mg_mk_str("x.bakery")));
  assert_false(mg_http_path_name_hidden(&o, mg_mk_str("index.html")));
  o.hidden_file_pattern = NULL;
  assert_true(mg_http_path_name_hidden(&o, mg_mk_str(".HTPASSWD")));
}

static void test_path_hidden_checks_every_component(void **state) {
  struct mg_serve_http_opts o;
  (void) state;
  memset(&o, 0, sizeof(o));
  o.hidden_file_pattern = "secret";
  assert_true(mg_http_path_hidden(&o, "/secret/a.txt"));
  assert_true(mg_http_path_hidden(&o, "/a/secret"));
  assert_false(mg_http_path_hidden(&o, "/secrets/a.txt"));
  assert_false(mg_http_path_hidden(&o, "/a/b"));
}

// A scratch tree: root/in.txt, root/sub/, root/out -> ../outside.txt,
// root/up -> .., outside.txt next to root.
struct tree {
  char base[64], root[96], path[160];
};

static const char *tree_path(struct tree *t, const char *rel) {
  snprintf(t->path, sizeof(t->path), "%s/%s", t->base, rel);
  return t->path;
}

static void tree_write(struct tree *t, const char *rel) {
  FILE *fp = fopen(tree_path(t, rel), "w");
  assert_non_null(fp);
  fputs("x", fp);
  fclose(fp);
}

static void tree_make(struct tree *t) {
  snprintf(t->base, sizeof(t->base), "/tmp/mg_path_XXXXXX");
  assert_non_null(mkdtemp(t->base));
  snprintf(t->root, sizeof(t->root), "%s/root", t->base);
  assert_int_equal(mkdir(t->root, 0700), 0);
  assert_int_equal(mkdir(tree_path(t, "root/sub"), 0700), 0);
  tree_write(t, "root/in.txt");
  tree_write(t, "outside.txt");
  assert_int_equal(symlink("../outside.txt", tree_path(t, "root/out")), 0);
  assert_int_equal(symlink("..", tree_path(t, "root/up")), 0);
  assert_int_equal(symlink("in.txt", tree_path(t, "root/alias")), 0);
}

static void tree_remove(struct tree *t) {
  const char *rels[] = {"root/alias",  "root/up",  "root/out", "outside.txt",
                        "root/in.txt", "root/sub", "root"};
  size_t i;
  for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
    remove(tree_path(t, rels[i]));
  }
  rmdir(t->base);
}

static void test_path_inside_root_follows_symlinks(void **state) {
  struct tree t;
  (void) state;
  tree_make(&t);
  assert_true(
      mg_http_path_inside_root(t.root, tree_path(&t, "root/in.txt"), -1));
  assert_true(mg_http_path_inside_root(t.root, tree_path(&t, "root/sub"), -1));
  assert_true(
      mg_http_path_inside_root(t.root, tree_path(&t, "root/alias"), -1));
  assert_true(mg_http_path_inside_root(t.root, t.root, -1));
  assert_false(mg_http_path_inside_root(t.root, tree_path(&t, "root/out"), -1));
  assert_false(mg_http_path_inside_root(t.root, tree_path(&t, "root/up"), -1));
  assert_false(
      mg_http_path_inside_root(t.root, tree_path(&t, "outside.txt"), -1));
  // A path that does not exist cannot be shown to be inside.
  assert_false(
      mg_http_path_inside_root(t.root, tree_path(&t, "root/none"), -1));
  tree_remove(&t);
}

static void test_path_open_inside_checks_the_opened_file(void **state) {
  struct tree t;
  struct mg_http_open_file f;
  (void) state;
  tree_make(&t);
  memset(&f, 0, sizeof(f));
  assert_int_equal(stat(tree_path(&t, "root/in.txt"), &f.st), 0);
  assert_true(
      mg_http_path_open_inside(t.root, tree_path(&t, "root/in.txt"), &f));
  assert_true(f.fd >= 0);
  assert_true(S_ISREG(f.st.st_mode));
  close(f.fd);
  memset(&f, 0, sizeof(f));
  assert_false(mg_http_path_open_inside(t.root, tree_path(&t, "root/out"), &f));
  assert_int_equal(f.fd, -1);  // Nothing left open
  tree_remove(&t);
}

// A root whose name is a prefix of a sibling's ("/x/root" and
// "/x/rootless") must not let the sibling in.
static void test_path_inside_root_is_not_a_string_prefix(void **state) {
  struct tree t;
  (void) state;
  tree_make(&t);
  assert_int_equal(mkdir(tree_path(&t, "rootless"), 0700), 0);
  tree_write(&t, "rootless/f");
  assert_false(
      mg_http_path_inside_root(t.root, tree_path(&t, "rootless/f"), -1));
  remove(tree_path(&t, "rootless/f"));
  rmdir(tree_path(&t, "rootless"));
  tree_remove(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_decode_plain_and_escaped),
      cmocka_unit_test(test_path_decode_normalises_dots),
      cmocka_unit_test(test_path_decode_dotdot_above_root_is_404),
      cmocka_unit_test(test_path_decode_encoded_separators_are_404),
      cmocka_unit_test(test_path_decode_nul_and_backslash_are_404),
      cmocka_unit_test(test_path_decode_bad_escape_is_400),
      cmocka_unit_test(test_path_decode_absolute_form_uses_path),
      cmocka_unit_test(test_path_join_strips_root_slashes),
      cmocka_unit_test(test_path_join_name_adds_one_slash),
      cmocka_unit_test(test_path_hidden_names_and_auth_file),
      cmocka_unit_test(test_path_hidden_checks_every_component),
      cmocka_unit_test(test_path_inside_root_follows_symlinks),
      cmocka_unit_test(test_path_open_inside_checks_the_opened_file),
      cmocka_unit_test(test_path_inside_root_is_not_a_string_prefix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
