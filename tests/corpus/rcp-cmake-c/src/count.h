#ifndef CSVCOUNT_COUNT_H
#define CSVCOUNT_COUNT_H
#include <stdio.h>

/* Rows (lines) and the fields of the first row of a CSV stream. */
struct csv_counts {
    long rows;
    long fields;
};

struct csv_counts csv_count(FILE *stream);

#endif
