#ifndef RING_TYPES_H
#define RING_TYPES_H
#define RING_CAPACITY 8
typedef struct {
  double items[RING_CAPACITY];
  int head;
  int count;
} ring_t;
#endif
