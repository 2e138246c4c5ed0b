// cmkx: print the line and word counts of standard input.
#include <iostream>
#include <iterator>
#include <string>

#include "cmkx/cmkx.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--version") {
    std::cout << cmkx::version() << '\n';
    return 0;
  }
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  cmkx::Counts counts = cmkx::count(text);
  std::cout << counts.lines << ' ' << counts.words << '\n';
  return 0;
}
