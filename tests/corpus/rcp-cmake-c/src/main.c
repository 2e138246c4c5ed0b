#include <stdio.h>
#include <string.h>
#include "count.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("csvcount 0.4.2");
        return 0;
    }
    struct csv_counts counts = csv_count(stdin);
    printf("%ld rows, %ld fields\n", counts.rows, counts.fields);
    return 0;
}
