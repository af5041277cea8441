#pragma once
// Reader for the AMReX ParmParse "inputs" dialect used by ImpactX decks.
//
//   key = value tokens ...      # comment
//   lattice.elements = a b \    (a trailing backslash continues the line)
//                      c d
//   my_constants.L = 2*pi       (usable as `L` in any expression)
//   beam.lambdaY = beam.lambdaX (other keys can be referenced by their full name)
//   FILE = common.in            (include, relative to the including file)
//
// Values are kept as token lists and only interpreted when a typed getter asks for them, so a value is
// read as a number, a bool or a string depending on what the code expects. Numeric values are muparser
// expressions. Every key the program asks for is remembered, which lets the caller warn about deck keys
// that nothing read (typos) and suggest the key that was probably meant.
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace wakeline::io {

struct SourceLocation {
  std::string file;  // "command line" for overrides; empty when unknown (e.g. the key is not defined)
  int line = 0;      // 1-based; 0 when there is no line (command line)
  // "deck.in:12", "command line", or "" for an unknown location (InputError then omits the prefix).
  [[nodiscard]] std::string str() const;
};

class InputDeck {
 public:
  // Throws InputError(key="", where=path, "cannot read ...") if the file cannot be opened.
  static InputDeck from_file(const std::string& path);
  // `name` plays the role of the file name in messages; FILE includes resolve relative to its directory.
  static InputDeck from_string(const std::string& text, const std::string& name);

  // One "key=value" assignment from the command line (whitespace around '=' allowed). It replaces any
  // definition from the deck; later overrides win. Malformed assignments throw InputError.
  void add_override(const std::string& assignment);

  [[nodiscard]] bool contains(const std::string& key) const;
  // True once a getter, query or declare asked for `key`, or an evaluated expression used it.
  [[nodiscard]] bool was_read(const std::string& key) const;

  // get_* throw InputError when the key is absent; query_* return std::nullopt. Both throw InputError when
  // the key is present but its value is malformed. Every call, successful or not, marks the key as known.
  double get_double(const std::string& key);
  std::optional<double> query_double(const std::string& key);
  // The expression must evaluate to an integer: "1e4" is fine, "2.5" is an error.
  long long get_int(const std::string& key);
  std::optional<long long> query_int(const std::string& key);
  // true/false/1/0, case-insensitive.
  bool get_bool(const std::string& key);
  std::optional<bool> query_bool(const std::string& key);
  // Exactly one token, quotes removed.
  std::string get_string(const std::string& key);
  std::optional<std::string> query_string(const std::string& key);
  // The whitespace-separated tokens; a "quoted item" may contain spaces.
  std::vector<std::string> get_strings(const std::string& key);
  std::optional<std::vector<std::string>> query_strings(const std::string& key);
  // Each token is a separate expression.
  std::vector<double> get_doubles(const std::string& key);
  std::optional<std::vector<double>> query_doubles(const std::string& key);

  // Marks a key as known without reading it (e.g. keys consumed by another component).
  void declare(const std::string& key);

  // Where the effective (last) definition of `key` is; an empty location if the key is not defined.
  [[nodiscard]] SourceLocation location(const std::string& key) const;
  // The deck's file name (or the name given to from_string): cited for keys that are missing.
  [[nodiscard]] const std::string& file_name() const { return main_file_; }
  // Every key defined (file + overrides), in first-definition order.
  [[nodiscard]] std::vector<std::string> keys() const;
  // Defined keys that were never asked for (get/query/declare) nor used by an expression that was evaluated.
  [[nodiscard]] std::vector<std::string> unread_keys() const;
  // The closest known (asked-for or declared) key by edit distance, "" if none is reasonably close.
  [[nodiscard]] std::string did_you_mean(const std::string& key) const;

 private:
  struct Definition {
    std::vector<std::string> tokens;
    SourceLocation where;
  };
  struct EvalContext;

  InputDeck() = default;

  void parse_text(const std::string& text, const std::string& file, std::vector<std::string>& include_stack);
  void parse_assignment(const std::string& logical_line, const SourceLocation& where,
                        std::vector<std::string>& include_stack);
  void include_file(const std::string& name, const SourceLocation& where,
                    std::vector<std::string>& include_stack);
  void define(const std::string& key, std::vector<std::string> tokens, const SourceLocation& where);

  // Marks `key` as known and returns its definition, or nullptr if it is absent.
  const Definition* lookup(const std::string& key);
  const Definition& require(const std::string& key);

  // Evaluates `expr` (part of the value of `key`) to a finite number. `expected` describes the wanted
  // value in error messages ("a numeric expression", "an integer expression").
  double evaluate(const std::string& expr, const std::string& key, const SourceLocation& where,
                  const std::string& expected, EvalContext& ctx) const;
  // The value of a name used inside an expression: a deck key, a my_constants entry or a built-in constant;
  // std::nullopt if it is none of these. Throws InputError on a circular reference or a bad referenced value.
  std::optional<double> resolve_name(const std::string& name, EvalContext& ctx) const;
  double evaluate_top(const std::string& expr, const std::string& key, const SourceLocation& where,
                      const std::string& expected);

  std::string main_file_;  // the deck's file (or name): where a missing key should have been
  std::unordered_map<std::string, Definition> defs_;
  std::vector<std::string> order_;    // keys in first-definition order
  std::set<std::string> asked_;       // keys the program asked for or declared
  std::set<std::string> referenced_;  // keys used by evaluated expressions
};

}  // namespace wakeline::io
