#ifndef SATMATH_H
#define SATMATH_H
/* Addition that stops at the bounds of int instead of overflowing. */
int sat_add(int a, int b);
#endif
