#ifndef CRUNZ_H
#define CRUNZ_H
unsigned long crunz_checksum(const char *text);
#endif
