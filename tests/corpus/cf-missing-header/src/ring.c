#include "ring.h"

void ring_init(ring_t *ring) { ring->head = 0; ring->count = 0; }

void ring_push(ring_t *ring, double value) {
  ring->items[ring->head] = value;
  ring->head = (ring->head + 1) % RING_CAPACITY;
  if (ring->count < RING_CAPACITY) ring->count++;
}

double ring_mean(const ring_t *ring) {
  double sum = 0.0;
  for (int i = 0; i < ring->count; i++) sum += ring->items[i];
  return ring->count ? sum / ring->count : 0.0;
}
