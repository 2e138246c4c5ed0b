#include "filecrc.h"

int main(void) {
  return bytes_crc32((const unsigned char *)"hello", 5) == 0x3610a686UL ? 0 : 1;
}
