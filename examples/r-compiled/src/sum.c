#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

/* Sum a double vector; written in C only to give the package compiled code. */
static SEXP sum(SEXP x) {
    R_xlen_t n = XLENGTH(x);
    const double *values = REAL(x);
    double total = 0.0;
    for (R_xlen_t i = 0; i < n; i++) {
        total += values[i];
    }
    return ScalarReal(total);
}

static const R_CallMethodDef call_methods[] = {
    {"C_sum", (DL_FUNC) &sum, 1},
    {NULL, NULL, 0}
};

void R_init_dscomp(DllInfo *info) {
    R_registerRoutines(info, NULL, call_methods, NULL, NULL);
    R_useDynamicSymbols(info, FALSE);
    R_forceSymbols(info, TRUE);
}
