#include <crunhdronly/sum.hpp>
int main() { return crunhdronly::sum(std::vector<double>{0.5, 1.5}) == 2.0 ? 0 : 1; }
