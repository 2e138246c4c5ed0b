#include <stdio.h>

#include "mesonc.h"

int main(void) {
  if (mesonc_clamp(5, 0, 3) != 3 || mesonc_clamp(-1, 0, 3) != 0 || mesonc_clamp(2, 0, 3) != 2) {
    fprintf(stderr, "clamp is wrong\n");
    return 1;
  }
  return 0;
}
