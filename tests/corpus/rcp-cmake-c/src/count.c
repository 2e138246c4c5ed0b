#include "count.h"

struct csv_counts csv_count(FILE *stream)
{
    struct csv_counts counts = {0, 0};
    int c, last = '\n';
    while ((c = fgetc(stream)) != EOF) {
        if (counts.rows == 0 && c == ',')
            counts.fields++;
        if (c == '\n')
            counts.rows++;
        last = c;
    }
    if (last != '\n')
        counts.rows++;
    if (counts.rows > 0)
        counts.fields++;
    return counts;
}
