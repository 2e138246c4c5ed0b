#include <cstddef>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/stl/vector.h>

namespace nb = nanobind;

// Moving averages over a window of `width` values.
std::vector<double> moving_average(const std::vector<double> &values, std::size_t width) {
    if (width == 0) {
        throw nb::value_error("width must be positive");
    }
    std::vector<double> out;
    double sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        sum += values[i];
        if (i >= width) {
            sum -= values[i - width];
        }
        if (i + 1 >= width) {
            out.push_back(sum / static_cast<double>(width));
        }
    }
    return out;
}

NB_MODULE(_smooth, m) {
    m.def("moving_average", &moving_average, nb::arg("values"), nb::arg("width"));
}
