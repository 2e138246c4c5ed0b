#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <bitset>
#include <climits>

// Number of set bits of a non-negative integer below 2**64.
static PyObject *popcount(PyObject *, PyObject *arg) {
    unsigned long long value = PyLong_AsUnsignedLongLong(arg);
    if (PyErr_Occurred()) {
        return nullptr;
    }
    return PyLong_FromSize_t(std::bitset<sizeof(value) * CHAR_BIT>(value).count());
}

static PyMethodDef methods[] = {
    {"popcount", popcount, METH_O, "Number of set bits."},
    {nullptr, nullptr, 0, nullptr},
};

static PyModuleDef module = {PyModuleDef_HEAD_INIT, "_bits", nullptr, -1, methods};

PyMODINIT_FUNC PyInit__bits() { return PyModule_Create(&module); }
