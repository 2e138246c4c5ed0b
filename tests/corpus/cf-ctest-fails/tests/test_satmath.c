#include <limits.h>
#include <string.h>
#include "satmath.h"

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "small") == 0) return sat_add(2, 3) == 5 ? 0 : 1;
  /* The bug this release shipped with: the test expects wrap-around, the library saturates. */
  if (strcmp(argv[1], "high") == 0) return sat_add(INT_MAX, 1) == INT_MIN ? 0 : 1;
  return 2;
}
