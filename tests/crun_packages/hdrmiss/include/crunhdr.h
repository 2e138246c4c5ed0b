#ifndef CRUNHDR_H
#define CRUNHDR_H
#include "crunhdr_config.h"
int crunhdr_limit(void);
#endif
