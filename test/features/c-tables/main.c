/* Prints the tables es_frontend_tables (es_frontend_build before prepare) makes for the configuration on the command line, doubles as
 * their IEEE-754 bit patterns (hex), for test/features/c-tables.test.ts to compare with the TS
 * FrontEnd's. Usage: main sampleRate fftSize nMels win hop coeffs lfbe fMin fMax */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

static void doubles(const char *name, const double *a, int32_t n) {
  printf("%s", name);
  for (int32_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &a[i], sizeof u);
    printf(" %" PRIx64, u);
  }
  printf("\n");
}

static void ints(const char *name, const int32_t *a, int32_t n) {
  printf("%s", name);
  for (int32_t i = 0; i < n; i++) printf(" %d", (int)a[i]);
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc != 10) return 2;
  es_frontend_config c = {atoi(argv[1]), atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
                          atoi(argv[6]), atoi(argv[7]), strtod(argv[8], NULL), strtod(argv[9], NULL),
                          1.0 / 10000000000};
  es_frontend f;
  const char *problem = es_frontend_tables(&f, &c);
  if (problem != NULL) {
    printf("refused %s\n", problem);
    return 1;
  }
  const int32_t m = f.half;
  doubles("window", f.window, f.win);
  ints("rev", f.rev, m);
  doubles("cosM", f.cosM, m / 2);
  doubles("sinM", f.sinM, m / 2);
  doubles("cosN", f.cosN, m + 1);
  doubles("sinN", f.sinN, m + 1);
  ints("start", f.melStart, f.nMels);
  ints("count", f.melCount, f.nMels);
  ints("offset", f.melOffset, f.nMels);
  doubles("weights", f.melW, f.melOffset[f.nMels - 1] + f.melCount[f.nMels - 1]);
  if (!c.lfbe) doubles("dct", f.dct, c.coeffs * c.nMels);
  return 0;
}
