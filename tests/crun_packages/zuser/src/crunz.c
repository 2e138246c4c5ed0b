#include <string.h>
#include <zlib.h>
#include "crunz.h"
unsigned long crunz_checksum(const char *text) {
  return adler32(1L, (const unsigned char *)text, (unsigned)strlen(text));
}
