#include <stdio.h>
#include "crungood.h"
int main(void) { printf("%d\n", crungood_add(2, 3)); return 0; }
