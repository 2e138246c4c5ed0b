#include "crungood.h"
int crungood_add(int a, int b) { return a + b; }
