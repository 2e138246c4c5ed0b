#include <numeric>
#include <vector>
#include "crungood.h"
int main() {
  std::vector<int> values{1, 2, 3, 4};
  int total = std::accumulate(values.begin(), values.end(), 0, crungood_add);
  return total == 10 ? 0 : 1;
}
