#include "crunz.h"
int main(void) { return crunz_checksum("") == 1UL ? 0 : 1; }
