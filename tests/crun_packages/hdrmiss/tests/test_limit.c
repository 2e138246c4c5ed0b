#include "crunhdr.h"
int main(void) { return crunhdr_limit() == 7 ? 0 : 1; }
