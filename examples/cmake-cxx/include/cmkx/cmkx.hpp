// cmkx: count words and lines in text.
#pragma once

#include <cstddef>
#include <string_view>

namespace cmkx {

struct Counts {
  std::size_t lines = 0;
  std::size_t words = 0;
};

// Lines end with '\n'; a last line without one still counts. Words are runs of non-space.
Counts count(std::string_view text);

const char* version();

}  // namespace cmkx
