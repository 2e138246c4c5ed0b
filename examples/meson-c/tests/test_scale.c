#include <stdio.h>
#include <string.h>

#include "mesonc.h"

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "zero") == 0) {
    /* Expected to fail: scaling by n/0 gives 0. */
    return mesonc_scale(10, 1, 0) != 0 ? 0 : 1;
  }
  if (mesonc_scale(10, 3, 2) != 15 || mesonc_scale(-7, 1, 2) != -3) {
    fprintf(stderr, "scale is wrong\n");
    return 1;
  }
  return 0;
}
