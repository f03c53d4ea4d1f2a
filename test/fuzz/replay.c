// Runs a libFuzzer target over files given on the command line, without
// libFuzzer: `make fuzz-replay` builds every target with this driver and
// replays its seed corpus under the sanitizers.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char *argv[]) {
  int i, n = 0;
  for (i = 1; i < argc; i++) {
    FILE *fp = fopen(argv[i], "rb");
    long len;
    uint8_t *buf;
    if (fp == NULL) {
      fprintf(stderr, "replay: cannot open %s\n", argv[i]);
      return 1;
    }
    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = (uint8_t *) malloc(len > 0 ? (size_t) len : 1);
    if (buf == NULL || fread(buf, 1, (size_t) len, fp) != (size_t) len) {
      fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      return 1;
    }
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, (size_t) len);
    free(buf);
    n++;
  }
  printf("replay: %d inputs, no sanitizer report\n", n);
  return n > 0 ? 0 : 1;
}
