#include "crunhdr.h"
int crunhdr_limit(void) { return CRUNHDR_LIMIT; }
