#ifndef CRUNMES_H
#define CRUNMES_H
/* Returns a * b, or -1 when either is negative. */
int crunmes_mul(int a, int b);
#endif
