#ifndef CRUNGOOD_H
#define CRUNGOOD_H
#ifdef __cplusplus
extern "C" {
#endif
int crungood_add(int a, int b);
#ifdef __cplusplus
}
#endif
#endif
