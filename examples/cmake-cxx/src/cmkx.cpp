#include "cmkx/cmkx.hpp"

#include <cctype>

namespace cmkx {

Counts count(std::string_view text) {
  Counts counts;
  bool in_word = false;
  for (char c : text) {
    if (c == '\n') ++counts.lines;
    bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space && !in_word) ++counts.words;
    in_word = !space;
  }
  if (!text.empty() && text.back() != '\n') ++counts.lines;
  return counts;
}

const char* version() { return "0.1.0"; }

}  // namespace cmkx
