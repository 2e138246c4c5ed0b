#include "mesonc.h"

int mesonc_clamp(int value, int low, int high) {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}

long mesonc_scale(long value, long numerator, long denominator) {
  if (denominator == 0) return 0;
  return value * numerator / denominator;
}
