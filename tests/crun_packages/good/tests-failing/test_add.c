#include <stdlib.h>
#include "crungood.h"
int main(int argc, char **argv) {
  if (argc != 4) return 2;
  return crungood_add(atoi(argv[1]), atoi(argv[2])) == atoi(argv[3]) ? 0 : 1;
}
