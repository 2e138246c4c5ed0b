/* mesonc: clamp and scale integers. */
#ifndef MESONC_H
#define MESONC_H

/* value limited to [low, high]. */
int mesonc_clamp(int value, int low, int high);

/* value * numerator / denominator, rounded toward zero; 0 when denominator is 0. */
long mesonc_scale(long value, long numerator, long denominator);

#endif
