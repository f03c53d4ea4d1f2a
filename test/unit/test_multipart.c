// Unit tests for the buffered multipart/form-data parser of
// src/http_multipart.c: mg_parse_multipart(). The streaming parser (the
// MG_EV_HTTP_PART_* events) is tested over sockets in
// test/net/test_http_multipart.c.
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

#define BOUNDARY "XyZ"
#define CD(name) "Content-Disposition: form-data; name=\"" name "\"\r\n"
#define CDF(name, file)                          \
  "Content-Disposition: form-data; name=\"" name \
  "\"; "                                         \
  "filename=\"" file "\"\r\n"

// What one call of mg_parse_multipart() gave.
struct part {
  size_t n;          // The return value
  char var[32];      // var_name
  char file[32];     // file_name
  int has_chunk;     // *chunk was set
  size_t chunk_off;  // *chunk - buf
  size_t chunk_len;  // *chunk_len
  char data[256];    // The chunk's bytes (chunk_len of them)
};

// Parses len bytes of s, copied into a buffer of exactly that size so that
// a read past len is an ASan (or valgrind) report.
static struct part parse_n(const char *s, size_t len) {
  struct part r;
  char *copy = (char *) malloc(len > 0 ? len : 1);
  const char *chunk = NULL;
  assert_non_null(copy);
  memcpy(copy, s, len);
  memset(&r, 0, sizeof(r));
  strcpy(r.var, "junk");
  strcpy(r.file, "junk");
  r.chunk_len = 12345;
  r.n = mg_parse_multipart(copy, len, r.var, sizeof(r.var), r.file,
                           sizeof(r.file), &chunk, &r.chunk_len);
  if (chunk != NULL) {
    r.has_chunk = 1;
    assert_true(chunk >= copy && chunk + r.chunk_len <= copy + len);
    assert_true(r.chunk_len <= sizeof(r.data));
    r.chunk_off = (size_t) (chunk - copy);
    memcpy(r.data, chunk, r.chunk_len);
  }
  free(copy);
  return r;
}

static struct part parse_s(const char *s) {
  return parse_n(s, strlen(s));
}

// Offset of the first occurrence of needle in s.
static size_t offset_of(const char *s, const char *needle) {
  const char *p = strstr(s, needle);
  assert_non_null(p);
  return (size_t) (p - s);
}

// ---- Parts and names
// ---------------------------------------------------------

static const char s_body[] =
    "--" BOUNDARY "\r\n" CD("a") "\r\nhello\r\n"
    "--" BOUNDARY "\r\n" CDF("f", "x.txt") "Content-Type: text/plain\r\n"
    "\r\nline1\r\nline2\r\n--" BOUNDARY "--\r\n";

static void test_parse_multipart_loops_over_parts(void **state) {
  char var[32], file[32];
  const char *chunk, *p = s_body;
  size_t chunk_len, n, left = sizeof(s_body) - 1;
  (void) state;
  n = mg_parse_multipart(p, left, var, sizeof(var), file, sizeof(file), &chunk,
                         &chunk_len);
  assert_true(n > 0);
  assert_string_equal(var, "a");
  assert_string_equal(file, "");
  assert_int_equal(chunk_len, 5);
  assert_memory_equal(chunk, "hello", 5);
  assert_memory_equal(p + n, "--" BOUNDARY "\r\n", 7);
  p += n, left -= n;
  n = mg_parse_multipart(p, left, var, sizeof(var), file, sizeof(file), &chunk,
                         &chunk_len);
  assert_true(n > 0);
  assert_string_equal(var, "f");
  assert_string_equal(file, "x.txt");
  assert_int_equal(chunk_len, 12);
  assert_memory_equal(chunk, "line1\r\nline2", 12);
  p += n, left -= n;
  assert_int_equal(mg_parse_multipart(p, left, var, sizeof(var), file,
                                      sizeof(file), &chunk, &chunk_len),
                   0);
}

static void test_parse_multipart_incomplete_returns_0(void **state) {
  char var[32], file[32];
  const char *chunk;
  size_t chunk_len, i, end;
  (void) state;
  end = mg_parse_multipart(s_body, sizeof(s_body) - 1, var, sizeof(var), file,
                           sizeof(file), &chunk, &chunk_len);
  // Every prefix too short to hold the next delimiter is incomplete; the
  // copy is exactly as long as the prefix, so ASan sees any overread.
  for (i = 0; i < end + 7; i++) {
    char *copy = (char *) malloc(i + 1);
    size_t n;
    memcpy(copy, s_body, i);
    n = mg_parse_multipart(copy, i, var, sizeof(var), file, sizeof(file),
                           &chunk, &chunk_len);
    assert_int_equal(n, i < end + 5 ? 0 : end);
    free(copy);
  }
  assert_int_equal(mg_parse_multipart(NULL, 10, var, sizeof(var), file,
                                      sizeof(file), &chunk, &chunk_len),
                   0);
  assert_int_equal(mg_parse_multipart("garbage\r\n\r\nx", 12, var, sizeof(var),
                                      file, sizeof(file), &chunk, &chunk_len),
                   0);
}

static void test_parse_multipart_names(void **state) {
  static const char body[] =
      "--b\r\nContent-Disposition: form-data; filename=\"f.txt\"; "
      "name=\"field\"\r\n\r\nx\r\n--b--\r\n";
  static const char unnamed[] = "--b\r\n\r\ndata\r\n--b--";
  static const char longname[] =
      "--b\r\ncontent-disposition: form-data; name=\"0123456789abcdef\"; "
      "filename=\"a\\\"b\"\r\n\r\nx\r\n--b--";
  char var[8], file[32];
  const char *chunk;
  size_t chunk_len;
  (void) state;
  assert_true(mg_parse_multipart(body, sizeof(body) - 1, var, sizeof(var), file,
                                 sizeof(file), &chunk, &chunk_len) > 0);
  assert_string_equal(var, "field");
  assert_string_equal(file, "f.txt");
  assert_true(mg_parse_multipart(unnamed, sizeof(unnamed) - 1, var, sizeof(var),
                                 file, sizeof(file), &chunk, &chunk_len) > 0);
  assert_string_equal(var, "");
  assert_string_equal(file, "");
  assert_int_equal(chunk_len, 4);
  // Names that do not fit are truncated; escapes in quotes are undone.
  assert_true(mg_parse_multipart(longname, sizeof(longname) - 1, var,
                                 sizeof(var), file, sizeof(file), &chunk,
                                 &chunk_len) > 0);
  assert_string_equal(var, "0123456");
  assert_string_equal(file, "a\"b");
  assert_true(mg_parse_multipart(longname, sizeof(longname) - 1, var, 1, file,
                                 2, &chunk, &chunk_len) > 0);
  assert_string_equal(var, "");
  assert_string_equal(file, "a");
}

static void test_multipart_part_with_name_and_filename(void **state) {
  static const char body[] =
      "--b\r\n"
      "Content-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "file data\r\n"
      "--b--\r\n";
  struct part r = parse_s(body);
  (void) state;
  assert_int_equal(r.n, offset_of(body, "--b--"));
  assert_string_equal(r.var, "up");
  assert_string_equal(r.file, "a.txt");
  assert_true(r.has_chunk);
  assert_int_equal(r.chunk_off, offset_of(body, "file data"));
  assert_int_equal(r.chunk_len, 9);
  assert_memory_equal(r.data, "file data", 9);
}

// Appends "<var>|<file>|<data>;" of each part of body to out, until the
// parser returns 0. Returns the bytes consumed in all.
static size_t parse_all(const char *body, char *out, size_t out_len) {
  size_t off = 0, len = strlen(body), used = 0;
  struct part r;
  out[0] = '\0';
  while ((r = parse_n(body + off, len - off)).n > 0) {
    used += (size_t) snprintf(out + used, out_len - used, "%s|%s|%.*s;", r.var,
                              r.file, (int) r.chunk_len, r.data);
    assert_true(used < out_len);
    off += r.n;
  }
  return off;
}

static void test_multipart_several_parts_in_order(void **state) {
  static const char body[] =
      "--" BOUNDARY "\r\n" CD("one") "\r\n1\r\n"
      "--" BOUNDARY "\r\n" CD("empty") "\r\n\r\n"
      "--" BOUNDARY "\r\n" CDF("f", "x.bin") "Content-Type: a/b\r\n\r\n"
      "multi\r\nline\r\n"
      "--" BOUNDARY "\r\n\r\nno headers\r\n"
      "--" BOUNDARY "--\r\nepilogue";
  char seen[256];
  (void) state;
  assert_int_equal(parse_all(body, seen, sizeof(seen)),
                   offset_of(body, "--" BOUNDARY "--"));
  assert_string_equal(seen,
                      "one||1;empty||;f|x.bin|multi\r\nline;||no headers;");
}

static void test_multipart_close_delimiter_returns_zero(void **state) {
  struct part r;
  (void) state;
  r = parse_s("--b--\r\n");
  assert_int_equal(r.n, 0);
  assert_false(r.has_chunk);
  assert_int_equal(parse_s("--b--").n, 0);
  assert_int_equal(parse_s("--b--\r\nepilogue\r\n--b\r\n\r\nx\r\n--b--").n, 0);
}

static void test_multipart_missing_boundary_returns_zero(void **state) {
  struct part r;
  (void) state;
  r = parse_s("");
  assert_int_equal(r.n, 0);
  assert_string_equal(r.var, "");  // Cleared even then
  assert_string_equal(r.file, "");
  assert_int_equal(parse_s("--").n, 0);
  assert_int_equal(parse_s("--\r\n\r\nx\r\n--\r\n").n, 0);  // Empty boundary
  assert_int_equal(parse_s("-b\r\n\r\nx\r\n-b--").n, 0);
  assert_int_equal(parse_s("b\r\n\r\nx\r\n--b--").n, 0);
  assert_int_equal(parse_s("--b").n, 0);
  assert_int_equal(parse_s("--b\r\n").n, 0);
  // A preamble is not skipped: the body must start with the delimiter.
  assert_int_equal(parse_s("preamble\r\n--b\r\n\r\nx\r\n--b--").n, 0);
  assert_int_equal(mg_parse_multipart(NULL, 10, NULL, 0, NULL, 0, NULL, NULL),
                   0);
}

// A body whose boundary has len bytes: "--<b>\r\n\r\nx\r\n--<b>--". The
// caller frees it.
static char *body_with_boundary(size_t len) {
  char *b = (char *) malloc(len + 1), *s = (char *) malloc(2 * len + 16);
  assert_non_null(b);
  assert_non_null(s);
  memset(b, 'q', len);
  b[len] = '\0';
  sprintf(s, "--%s\r\n\r\nx\r\n--%s--", b, b);
  free(b);
  return s;
}

// RFC 2046 allows boundaries of 1 to 70 characters.
static void test_multipart_boundary_of_70_chars_accepted_71_not(void **s) {
  char *ok = body_with_boundary(70), *one = body_with_boundary(1);
  char *bad = body_with_boundary(71);
  struct part r;
  (void) s;
  r = parse_s(ok);
  assert_int_equal(r.n, 70 + 9);
  assert_int_equal(r.chunk_len, 1);
  assert_int_equal(r.data[0], 'x');
  assert_int_equal(parse_s(one).n, 1 + 9);
  assert_int_equal(parse_s(bad).n, 0);
  free(ok);
  free(one);
  free(bad);
}

// Every prefix of a body with the longest boundary is incomplete until the
// whole next delimiter is there; each prefix is an exact-size copy.
static void test_multipart_truncated_long_boundary_body(void **state) {
  char *s = body_with_boundary(70);
  size_t i, full = parse_s(s).n, len = strlen(s);
  (void) state;
  assert_true(full > 0);
  for (i = 0; i <= len; i++) {
    struct part r = parse_n(s, i);
    assert_int_equal(r.n, i < full + 72 ? 0 : full);
  }
  free(s);
}

// As in 6.x, lines may end in a bare LF: the delimiter line, the headers,
// the empty line and the line end before the next delimiter.
static void test_multipart_lf_line_endings_parsed(void **state) {
  static const char body[] =
      "--b\nContent-Disposition: form-data; name=\"a\"\n\nx\ny\n"
      "--b\nContent-Disposition: form-data; name=\"f\"; filename=\"t\"\n"
      "Content-Type: text/plain\n\n\n--b--\n";
  char seen[128];
  (void) state;
  assert_int_equal(parse_all(body, seen, sizeof(seen)),
                   offset_of(body, "--b--"));
  assert_string_equal(seen, "a||x\ny;f|t|;");
}

// Line ends may be mixed: a CR before the LF ending a line is dropped, and
// a bare LF before the delimiter ends the data too.
static void test_multipart_mixed_line_endings_parsed(void **state) {
  struct part r;
  (void) state;
  r = parse_s("--b\r\n" CD("a") "\nx\n--b--");
  assert_string_equal(r.var, "a");
  assert_int_equal(r.chunk_len, 1);
  assert_int_equal(r.data[0], 'x');
  r = parse_s("--b\n" CD("a") "\r\nx\r\n--b--");
  assert_string_equal(r.var, "a");
  assert_int_equal(r.chunk_len, 1);
  r = parse_s("--b\r\n\r\nx\n--b--");
  assert_int_equal(r.chunk_len, 1);
  assert_int_equal(r.n, offset_of("--b\r\n\r\nx\n--b--", "--b--"));
  // Without a line end before it, "--b" is data.
  assert_int_equal(parse_s("--b\r\n\r\nx--b--").n, 0);
  assert_int_equal(parse_s("--b\n\nx--b--").n, 0);
}

// RFC 2046 transport padding: blanks may follow the boundary on any
// delimiter line, the close delimiter's included.
static void test_multipart_blanks_after_boundary_accepted(void **state) {
  static const char body[] =
      "--b  \r\n" CD("a") "\r\nx\r\n"
      "--b\t \r\n" CD("c") "\r\ny\r\n"
      "--b \n" CD("d") "\nz\n"
      "--b-- \t\r\n";
  char seen[64];
  (void) state;
  assert_int_equal(parse_all(body, seen, sizeof(seen)),
                   offset_of(body, "--b-- "));
  assert_string_equal(seen, "a||x;c||y;d||z;");
  assert_int_equal(parse_s("--b-- \r\n").n, 0);
  assert_int_equal(parse_s("--  \r\n\r\nx\r\n--  --").n, 0);
}

// A part whose headers run into the next delimiter line has no empty line
// after them: it is malformed, and the next part's headers and data are
// never taken for its own. Every prefix gives 0 too.
static void test_multipart_headers_without_blank_line_rejected(void **state) {
  static const char crlf[] =
      "--b\r\n" CD("a") "AAA\r\n--b\r\n" CD("b") "\r\nBBB\r\n--b--\r\n";
  static const char lf[] = "--b\n" CD("a") "--b\n" CD("b") "\nBBB\n--b--\n";
  size_t i;
  struct part r;
  (void) state;
  for (i = 0; i <= strlen(crlf); i++) {
    r = parse_n(crlf, i);
    assert_int_equal(r.n, 0);
    assert_string_equal(r.var, "");
    assert_false(r.has_chunk);
  }
  r = parse_s(lf);
  assert_int_equal(r.n, 0);
  assert_string_equal(r.var, "");
  // The close delimiter, too, ends a header block that never ended.
  assert_int_equal(parse_s("--b\r\n" CD("a") "--b--\r\n").n, 0);
}

// The names are only filled in for a complete part: "" while the data's
// end is not there yet.
static void test_multipart_names_empty_until_part_complete(void **state) {
  static const char body[] = "--b\r\n" CDF("v", "f") "\r\ndata\r\n--b--";
  size_t i, len = sizeof(body) - 1;
  struct part r;
  (void) state;
  for (i = 0; i < len - 2; i++) {
    r = parse_n(body, i);
    assert_int_equal(r.n, 0);
    assert_string_equal(r.var, "");
    assert_string_equal(r.file, "");
  }
  r = parse_n(body, len);
  assert_string_equal(r.var, "v");
  assert_string_equal(r.file, "f");
}

// Only CRLF "--" boundary ends a part's data: look-alikes are data.
static void test_multipart_data_keeps_crlf_and_lookalikes(void **state) {
  static const char data[] = "\r\nx--b\r\n-b\r\n--c\r\n";
  static const char body[] = "--b\r\n\r\n\r\nx--b\r\n-b\r\n--c\r\n\r\n--b--";
  struct part r = parse_s(body);
  (void) state;
  assert_int_equal(r.chunk_len, sizeof(data) - 1);
  assert_memory_equal(r.data, data, sizeof(data) - 1);
  assert_int_equal(r.n, sizeof(body) - 1 - 5);
}

static void test_multipart_binary_data_with_nul_bytes(void **state) {
  static const char body[] = "--b\r\n\r\n\0\xff\r\0\n\r\n--b--";
  struct part r = parse_n(body, sizeof(body) - 1);
  (void) state;
  assert_int_equal(r.chunk_len, 5);
  assert_memory_equal(r.data, "\0\xff\r\0\n", 5);
  assert_int_equal(r.chunk_off, 7);
}

static void test_multipart_empty_data(void **state) {
  static const char body[] = "--b\r\n" CD("e") "\r\n\r\n--b--";
  struct part r = parse_s(body);
  (void) state;
  assert_int_equal(r.n, sizeof(body) - 1 - 5);
  assert_string_equal(r.var, "e");
  assert_true(r.has_chunk);
  assert_int_equal(r.chunk_len, 0);
}

// Quoted values may hold separators; unquoted ones end at one.
static void test_multipart_quoted_params(void **state) {
  static const char quoted[] =
      "--b\r\nContent-Disposition: form-data; name=\"a;b=c\"; "
      "filename=\"my file, v2.txt\"\r\n\r\nx\r\n--b--";
  static const char plain[] =
      "--b\r\nContent-Disposition: form-data;name=plain ;filename=f.bin\r\n"
      "\r\nx\r\n--b--";
  struct part r = parse_s(quoted);
  (void) state;
  assert_string_equal(r.var, "a;b=c");
  assert_string_equal(r.file, "my file, v2.txt");
  r = parse_s(plain);
  assert_string_equal(r.var, "plain");
  assert_string_equal(r.file, "f.bin");
}

// The header is found by name, ignoring case, on any line of the head;
// a header whose name only contains it does not count.
static void test_multipart_disposition_found_by_header_name(void **state) {
  static const char later[] =
      "--b\r\nContent-Type: text/plain\r\n"
      "CONTENT-DISPOSITION:form-data; name=\"n\"\r\n\r\nx\r\n--b--";
  static const char other[] =
      "--b\r\nX-Content-Disposition: form-data; name=\"evil\"\r\n"
      "\r\nx\r\n--b--";
  struct part r = parse_s(later);
  (void) state;
  assert_string_equal(r.var, "n");
  r = parse_s(other);
  assert_true(r.n > 0);
  assert_string_equal(r.var, "");
}

// Names are NUL-terminated: a name of len bytes needs len + 1, and a
// shorter buffer gets the truncated name.
static void test_multipart_name_buffers_exact_fit(void **state) {
  static const char body[] = "--b\r\n" CDF("field", "f.txt") "\r\nx\r\n--b--";
  char var[8], file[8];
  const char *chunk;
  size_t chunk_len, n = sizeof(body) - 1;
  (void) state;
  assert_int_equal(
      mg_parse_multipart(body, n, var, 6, file, 6, &chunk, &chunk_len), n - 5);
  assert_string_equal(var, "field");
  assert_string_equal(file, "f.txt");
  assert_int_equal(
      mg_parse_multipart(body, n, var, 5, file, 5, &chunk, &chunk_len), n - 5);
  assert_string_equal(var, "fiel");
  assert_string_equal(file, "f.tx");
  assert_int_equal(chunk_len, 1);
}

// Every output may be NULL (or of size 0): the result stays the same.
static void test_multipart_null_outputs_allowed(void **state) {
  static const char body[] = "--b\r\n" CDF("v", "f") "\r\ndata\r\n--b--";
  char var[4] = "xyz";
  size_t n = sizeof(body) - 1;
  (void) state;
  assert_int_equal(mg_parse_multipart(body, n, NULL, 0, NULL, 0, NULL, NULL),
                   n - 5);
  assert_int_equal(mg_parse_multipart(body, n, var, 0, NULL, 8, NULL, NULL),
                   n - 5);
  assert_string_equal(var, "xyz");  // Size 0: not written
}

// Before the head of a part is complete nothing is known: the names are
// empty.
static void test_multipart_names_empty_until_head_complete(void **state) {
  static const char body[] = "--b\r\n" CDF("v", "f") "\r\ndata\r\n--b--";
  size_t i, head = offset_of(body, "data");
  (void) state;
  for (i = 0; i < head; i++) {
    struct part r = parse_n(body, i);
    assert_int_equal(r.n, 0);
    assert_string_equal(r.var, "");
    assert_string_equal(r.file, "");
    assert_false(r.has_chunk);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_multipart_loops_over_parts),
      cmocka_unit_test(test_parse_multipart_incomplete_returns_0),
      cmocka_unit_test(test_parse_multipart_names),
      cmocka_unit_test(test_multipart_part_with_name_and_filename),
      cmocka_unit_test(test_multipart_several_parts_in_order),
      cmocka_unit_test(test_multipart_close_delimiter_returns_zero),
      cmocka_unit_test(test_multipart_missing_boundary_returns_zero),
      cmocka_unit_test(test_multipart_boundary_of_70_chars_accepted_71_not),
      cmocka_unit_test(test_multipart_truncated_long_boundary_body),
      cmocka_unit_test(test_multipart_lf_line_endings_parsed),
      cmocka_unit_test(test_multipart_mixed_line_endings_parsed),
      cmocka_unit_test(test_multipart_blanks_after_boundary_accepted),
      cmocka_unit_test(test_multipart_headers_without_blank_line_rejected),
      cmocka_unit_test(test_multipart_names_empty_until_part_complete),
      cmocka_unit_test(test_multipart_data_keeps_crlf_and_lookalikes),
      cmocka_unit_test(test_multipart_binary_data_with_nul_bytes),
      cmocka_unit_test(test_multipart_empty_data),
      cmocka_unit_test(test_multipart_quoted_params),
      cmocka_unit_test(test_multipart_disposition_found_by_header_name),
      cmocka_unit_test(test_multipart_name_buffers_exact_fit),
      cmocka_unit_test(test_multipart_null_outputs_allowed),
      cmocka_unit_test(test_multipart_names_empty_until_head_complete),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
