"""The sieve of Eratosthenes, compiled."""


def primes_below(int bound):
    if bound < 2:
        return []
    cdef bytearray marks = bytearray([1]) * bound
    cdef int i, j
    marks[0] = marks[1] = 0
    i = 2
    while i * i < bound:
        if marks[i]:
            for j in range(i * i, bound, i):
                marks[j] = 0
        i += 1
    return [n for n in range(bound) if marks[n]]
