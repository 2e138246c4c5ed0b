#include "ring.h"

int main(void) {
  ring_t ring;
  ring_init(&ring);
  ring_push(&ring, 1.0);
  ring_push(&ring, 2.0);
  ring_push(&ring, 3.0);
  return ring_mean(&ring) == 2.0 ? 0 : 1;
}
