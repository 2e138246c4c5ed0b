#include <zlib.h>
#include "filecrc.h"

unsigned long bytes_crc32(const unsigned char *data, unsigned int length) {
  return crc32(crc32(0L, Z_NULL, 0), data, length);
}
