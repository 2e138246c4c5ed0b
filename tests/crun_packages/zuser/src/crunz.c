#include <string.h>
#include "crunz.h"
/* zlib's own declaration (zlib.h): the package uses zlib without declaring it. */
unsigned long adler32(unsigned long adler, const unsigned char *buf, unsigned int len);
unsigned long crunz_checksum(const char *text) {
  return adler32(1UL, (const unsigned char *)text, (unsigned int)strlen(text));
}
