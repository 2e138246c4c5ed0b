#ifndef RING_H
#define RING_H
#include "ring_types.h"
void ring_init(ring_t *ring);
void ring_push(ring_t *ring, double value);
double ring_mean(const ring_t *ring);
#endif
