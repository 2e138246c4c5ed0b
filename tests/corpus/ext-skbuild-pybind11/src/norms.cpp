#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

// The p-norm of a vector of numbers.
double norm(const std::vector<double> &values, double p) {
    if (p < 1.0) {
        throw std::invalid_argument("p must be at least 1");
    }
    double sum = std::accumulate(values.begin(), values.end(), 0.0,
                                 [p](double acc, double v) { return acc + std::pow(std::abs(v), p); });
    return std::pow(sum, 1.0 / p);
}

PYBIND11_MODULE(_norms, m) {
    m.doc() = "Vector norms, in C++";
    m.def("norm", &norm, pybind11::arg("values"), pybind11::arg("p") = 2.0);
}
