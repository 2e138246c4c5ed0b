#include "crunmes.h"
int crunmes_mul(int a, int b) { return (a < 0 || b < 0) ? -1 : a * b; }
