#pragma once
#include <numeric>
#include <vector>
namespace crunhdronly {
template <typename T> T sum(const std::vector<T>& values) {
  return std::accumulate(values.begin(), values.end(), T{});
}
}  // namespace crunhdronly
