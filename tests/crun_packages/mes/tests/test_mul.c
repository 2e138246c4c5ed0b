#include <stdlib.h>
#include "crunmes.h"
int main(int argc, char **argv) {
  if (argc != 4) return 2;
  return crunmes_mul(atoi(argv[1]), atoi(argv[2])) == atoi(argv[3]) ? 0 : 1;
}
