#include <cstring>
#include <iostream>

#include "cmkx/cmkx.hpp"

static int expect(bool ok, const char* what) {
  if (!ok) std::cerr << "failed: " << what << '\n';
  return ok ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (std::strcmp(argv[1], "words") == 0)
    return expect(cmkx::count("one two  three\n").words == 3, "three words");
  if (std::strcmp(argv[1], "lines") == 0)
    return expect(cmkx::count("a\nb\nc").lines == 3, "three lines, last unterminated");
  if (std::strcmp(argv[1], "empty") == 0) {
    cmkx::Counts counts = cmkx::count("");
    return expect(counts.lines == 0 && counts.words == 0, "empty text");
  }
  return 2;
}
