#pragma once
#include <stdexcept>
#include <string>

namespace wakeline {

// Bad user input (deck, command line, Python arguments). The CLI turns it into exit code 2.
// `where` is "file:line" when the input came from a file, empty otherwise.
class InputError : public std::runtime_error {
 public:
  InputError(std::string key, std::string where, const std::string& message)
      : std::runtime_error(format(key, where, message)), key_(std::move(key)), where_(std::move(where)) {}
  [[nodiscard]] const std::string& key() const { return key_; }
  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  static std::string format(const std::string& key, const std::string& where, const std::string& message) {
    std::string out;
    if (!where.empty()) out += where + ": ";
    if (!key.empty()) out += "'" + key + "': ";
    return out + message;
  }
  std::string key_;
  std::string where_;
};

// Throws InputError(key, "", message) unless `ok`: the checks of settings objects, whose keys a deck
// reader prefixes with the element's name.
inline void require_input(bool ok, const char* key, const std::string& message) {
  if (!ok) throw InputError(key, "", message);
}

// A failure during a run that is not the user's input (I/O, numerical breakdown).
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace wakeline
