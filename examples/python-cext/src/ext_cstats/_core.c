#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* (mean, sample variance) of an iterable of numbers, in one pass (Welford). */
static PyObject *summary(PyObject *self, PyObject *values) {
    PyObject *iterator = PyObject_GetIter(values);
    if (iterator == NULL) {
        return NULL;
    }
    Py_ssize_t n = 0;
    double mean = 0.0, m2 = 0.0;
    PyObject *item;
    while ((item = PyIter_Next(iterator)) != NULL) {
        double x = PyFloat_AsDouble(item);
        Py_DECREF(item);
        if (x == -1.0 && PyErr_Occurred()) {
            Py_DECREF(iterator);
            return NULL;
        }
        n += 1;
        double delta = x - mean;
        mean += delta / (double)n;
        m2 += delta * (x - mean);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (n < 2) {
        PyErr_SetString(PyExc_ValueError, "summary needs at least two values");
        return NULL;
    }
    return Py_BuildValue("(dd)", mean, m2 / (double)(n - 1));
}

static PyMethodDef methods[] = {
    {"summary", summary, METH_O, "(mean, sample variance) of an iterable of numbers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
