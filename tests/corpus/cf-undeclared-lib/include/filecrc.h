#ifndef FILECRC_H
#define FILECRC_H
/* CRC-32 of a byte string, as zlib computes it. */
unsigned long bytes_crc32(const unsigned char *data, unsigned int length);
#endif
