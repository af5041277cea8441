#include "io/InputDeck.hpp"

#include <muParser.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::io {

namespace {

namespace fs = std::filesystem;

constexpr const char* kCommandLine = "command line";
constexpr const char* kIncludeKey = "FILE";
constexpr const char* kConstantsPrefix = "my_constants.";
constexpr int kMaxIncludeDepth = 64;

// The AMReX parser's built-in constants (SI), so decks written for ImpactX evaluate unchanged.
const std::map<std::string, double>& builtin_constants() {
  namespace k = wakeline::constants;
  static const std::map<std::string, double> table = {
      {"pi", k::pi},   {"clight", k::c}, {"m_e", k::m_e},           {"m_p", k::m_p},
      {"m_u", k::m_u}, {"q_e", k::q_e},  {"epsilon0", k::epsilon0}, {"mu0", k::mu0},
  };
  return table;
}

bool is_space(char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; }

std::string trim(const std::string& s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string rtrim(std::string s) {
  while (!s.empty() && is_space(s.back())) s.pop_back();
  return s;
}

std::string to_lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += sep;
    out += items[i];
  }
  return out;
}

// Shortest round-trip representation, so messages show exactly the value that was computed.
std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

// Removes a '#' comment; a '#' inside double quotes is part of the value.
std::string strip_comment(const std::string& line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == '#' && !quoted) return line.substr(0, i);
  }
  return line;
}

// Position of the first '=' outside double quotes, or npos.
std::size_t find_assignment(const std::string& line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == '=' && !quoted) return i;
  }
  return std::string::npos;
}

// Splits a value at whitespace; double quotes group characters (spaces included) and are removed, so
// `"a b"` is one token and `""` is one empty token.
std::vector<std::string> tokenize(const std::string& value, const std::string& key,
                                  const SourceLocation& where) {
  std::vector<std::string> tokens;
  std::string current;
  bool in_token = false;
  bool quoted = false;
  for (char ch : value) {
    if (ch == '"') {
      quoted = !quoted;
      in_token = true;
    } else if (is_space(ch) && !quoted) {
      if (in_token) tokens.push_back(std::move(current));
      current.clear();
      in_token = false;
    } else {
      current += ch;
      in_token = true;
    }
  }
  if (quoted) throw InputError(key, where.str(), "unterminated double quote in value '" + trim(value) + "'");
  if (in_token) tokens.push_back(std::move(current));
  return tokens;
}

std::string read_file(const fs::path& path, bool& ok) {
  ok = false;
  std::error_code ec;
  if (fs::is_directory(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return {};
  ok = true;
  return buf.str();
}

std::string canonical_key(const fs::path& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal().string() : p.string();
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, which are the most
// common typing mistakes ("bema" for "beam").
std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::string prefix_of(const std::string& key) { return key.substr(0, key.find('.')); }

// The closest candidate within an edit distance of about a third of the key's length. Candidates that
// share the key's prefix (the part before the first '.', e.g. the element name) win over others, since
// a typo is more likely in the attribute than in the object it belongs to.
template <typename Range>
std::string closest(const std::string& key, const Range& candidates) {
  const std::size_t threshold = std::max<std::size_t>(1, key.size() / 3);
  const std::string prefix = prefix_of(key);
  std::string best_same;
  std::string best_any;
  std::size_t d_same = threshold + 1;
  std::size_t d_any = threshold + 1;
  for (const std::string& cand : candidates) {
    if (cand == key) continue;
    const std::size_t d = edit_distance(key, cand);
    if (d < d_any) {
      d_any = d;
      best_any = cand;
    }
    if (d < d_same && prefix_of(cand) == prefix) {
      d_same = d;
      best_same = cand;
    }
  }
  return best_same.empty() ? best_any : best_same;
}

void configure(mu::Parser& parser) {
  // '.' lets a full deck key ("beam.lambdaX") be a single variable name.
  parser.DefineNameChars("0123456789_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
  // muparser has '^' and atan2 built in, but no pow().
  parser.DefineFun(
      "pow", +[](double a, double b) { return std::pow(a, b); });
}

// The AMReX parser accepts both '^' and '**' for powers; muparser only '^'.
std::string rewrite_power(std::string expr) {
  for (std::size_t pos = expr.find("**"); pos != std::string::npos; pos = expr.find("**", pos + 1)) {
    expr.replace(pos, 2, "^");
  }
  return expr;
}

// The name (letters, digits, '_', '.') that ends right before position `pos`, skipping blanks.
std::string name_before(const std::string& text, std::size_t pos) {
  std::size_t end = std::min(pos, text.size());
  while (end > 0 && is_space(text[end - 1])) --end;
  std::size_t begin = end;
  while (begin > 0 && (std::isalnum(static_cast<unsigned char>(text[begin - 1])) != 0 ||
                       text[begin - 1] == '_' || text[begin - 1] == '.')) {
    --begin;
  }
  if (begin == end || std::isdigit(static_cast<unsigned char>(text[begin])) != 0) return {};
  return text.substr(begin, end - begin);
}

std::string strip_trailing_period(std::string s) {
  s = rtrim(std::move(s));
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

struct InputDeck::EvalContext {
  // The keys being evaluated, outermost first; used for cycle detection and "needed by" messages.
  std::vector<std::pair<std::string, SourceLocation>> stack;
  // Values of keys already evaluated during this request, so shared references are evaluated once.
  std::map<std::string, double> cache;
  std::set<std::string> referenced;

  // "; needed by 'b' (deck.in:3), needed by 'a' (deck.in:2)" for the keys that led to the innermost one.
  [[nodiscard]] std::string chain() const {
    std::string out;
    for (std::size_t i = stack.size(); i-- > 1;) {
      const auto& [key, where] = stack[i - 1];
      out += (out.empty() ? "; needed by '" : ", needed by '") + key + "'";
      if (!where.str().empty()) out += " (" + where.str() + ")";
    }
    return out;
  }
};

std::string SourceLocation::str() const {
  if (file.empty()) return {};
  if (line <= 0) return file;
  return file + ":" + std::to_string(line);
}

InputDeck InputDeck::from_file(const std::string& path) {
  bool ok = false;
  const std::string text = read_file(path, ok);
  if (!ok) throw InputError("", path, "cannot read input file '" + path + "'");
  InputDeck deck;
  deck.main_file_ = path;
  std::vector<std::string> include_stack{canonical_key(path)};
  deck.parse_text(text, path, include_stack);
  return deck;
}

InputDeck InputDeck::from_string(const std::string& text, const std::string& name) {
  InputDeck deck;
  deck.main_file_ = name;
  std::vector<std::string> include_stack{canonical_key(name)};
  deck.parse_text(text, name, include_stack);
  return deck;
}

void InputDeck::add_override(const std::string& assignment) {
  const SourceLocation where{kCommandLine, 0};
  const std::size_t eq = find_assignment(assignment);
  if (eq == std::string::npos || trim(assignment.substr(0, eq)).empty()) {
    throw InputError("", where.str(), "malformed override '" + assignment + "': expected key=value");
  }
  // No comment stripping: a '#' in a shell argument is meant literally.
  std::vector<std::string> include_stack;
  parse_assignment(assignment, where, include_stack);
}

void InputDeck::parse_text(const std::string& text, const std::string& file,
                           std::vector<std::string>& include_stack) {
  std::istringstream in(text);
  std::string physical;
  std::string logical;
  int line_no = 0;
  int start = 0;
  bool continued = false;
  while (std::getline(in, physical)) {
    ++line_no;
    // Comments end at the physical line, so a backslash inside a comment never continues the line.
    const std::string content = rtrim(strip_comment(physical));
    if (continued) {
      logical += ' ';
    } else {
      logical.clear();
      start = line_no;
    }
    logical += content;
    continued = !logical.empty() && logical.back() == '\\';
    if (continued) {
      logical.pop_back();
      continue;
    }
    parse_assignment(logical, SourceLocation{file, start}, include_stack);
  }
  // A backslash on the last line has nothing to continue onto; accept what is there.
  if (continued) parse_assignment(logical, SourceLocation{file, start}, include_stack);
}

void InputDeck::parse_assignment(const std::string& logical_line, const SourceLocation& where,
                                 std::vector<std::string>& include_stack) {
  const std::string line = trim(logical_line);
  if (line.empty()) return;
  const std::size_t eq = find_assignment(line);
  if (eq == std::string::npos) {
    throw InputError("", where.str(), "expected 'key = value', got '" + line + "'");
  }
  const std::string key = trim(line.substr(0, eq));
  if (key.empty()) throw InputError("", where.str(), "missing key before '=' in '" + line + "'");
  if (std::any_of(key.begin(), key.end(), [](char ch) { return is_space(ch) || ch == '"'; })) {
    throw InputError(key, where.str(), "invalid key (keys cannot contain spaces or quotes)");
  }
  std::vector<std::string> tokens = tokenize(line.substr(eq + 1), key, where);
  // AMReX ParmParse skips '=' tokens before the first value ('a.elements = = b c' occurs in
  // ImpactX's own decks).
  while (!tokens.empty() && tokens.front() == "=") tokens.erase(tokens.begin());
  if (key == kIncludeKey) {
    if (tokens.size() != 1) {
      throw InputError(key, where.str(),
                       "expected exactly one file name, got " + std::to_string(tokens.size()));
    }
    include_file(tokens[0], where, include_stack);
    return;
  }
  define(key, std::move(tokens), where);
}

void InputDeck::include_file(const std::string& name, const SourceLocation& where,
                             std::vector<std::string>& include_stack) {
  // ParmParse resolves FILE relative to the including file; command-line includes are relative to the cwd.
  fs::path path = name;
  if (path.is_relative() && where.line > 0) path = fs::path(where.file).parent_path() / path;
  path = path.lexically_normal();

  const std::string id = canonical_key(path);
  if (std::find(include_stack.begin(), include_stack.end(), id) != include_stack.end()) {
    throw InputError(kIncludeKey, where.str(),
                     "circular FILE include: " + join(include_stack, " -> ") + " -> " + id);
  }
  if (include_stack.size() >= kMaxIncludeDepth) {
    throw InputError(kIncludeKey, where.str(), "FILE includes nested too deeply");
  }
  bool ok = false;
  const std::string text = read_file(path, ok);
  if (!ok) throw InputError(kIncludeKey, where.str(), "cannot read included file '" + path.string() + "'");
  include_stack.push_back(id);
  parse_text(text, path.string(), include_stack);
  include_stack.pop_back();
}

void InputDeck::define(const std::string& key, std::vector<std::string> tokens, const SourceLocation& where) {
  auto [it, inserted] = defs_.try_emplace(key);
  if (inserted) order_.push_back(key);
  it->second = Definition{std::move(tokens), where};
}

bool InputDeck::contains(const std::string& key) const { return defs_.count(key) != 0; }

bool InputDeck::was_read(const std::string& key) const { return asked_.count(key) || referenced_.count(key); }

const InputDeck::Definition* InputDeck::lookup(const std::string& key) {
  asked_.insert(key);
  auto it = defs_.find(key);
  return it == defs_.end() ? nullptr : &it->second;
}

const InputDeck::Definition& InputDeck::require(const std::string& key) {
  const Definition* def = lookup(key);
  if (def == nullptr) {
    std::string message = "missing required key";
    // Most missing keys are misspelled ones; point at the deck's spelling.
    const std::string guess = closest(key, order_);
    if (!guess.empty()) {
      message +=
          " (the deck defines '" + guess + "' at " + defs_.at(guess).where.str() + "; is that a typo?)";
    }
    throw InputError(key, main_file_, message);
  }
  return *def;
}

double InputDeck::evaluate(const std::string& expr, const std::string& key, const SourceLocation& where,
                           const std::string& expected, EvalContext& ctx) const {
  auto fail = [&](const std::string& reason) {
    return InputError(key, where.str(),
                      "expected " + expected + ", got '" + expr + "' (" + reason + ")" + ctx.chain());
  };
  if (trim(expr).empty())
    throw InputError(key, where.str(), "expected " + expected + ", got an empty value" + ctx.chain());

  mu::Parser parser;
  configure(parser);
  const std::string text = rewrite_power(expr);
  // std::map keeps element addresses stable, as DefineVar requires.
  std::map<std::string, double> values;
  try {
    parser.SetExpr(text);
    // Copy: GetUsedVar's map belongs to the parser and DefineVar below modifies parser state.
    std::vector<std::string> names;
    for (const auto& entry : parser.GetUsedVar()) names.push_back(entry.first);
    for (const std::string& name : names) {
      std::optional<double> v = resolve_name(name, ctx);
      if (!v) {
        std::string reason =
            "unknown name '" + name + "': not a key in the deck, a my_constants entry or a constant";
        const std::string guess = closest(name, order_);
        if (!guess.empty()) reason += "; did you mean '" + guess + "'?";
        throw fail(reason);
      }
      values[name] = *v;
    }
    for (auto& [name, value] : values) parser.DefineVar(name, &value);
    const double result = parser.Eval();
    if (!std::isfinite(result)) throw fail("evaluates to " + format_number(result));
    return result;
  } catch (const mu::Parser::exception_type& e) {
    // muparser reports a call of an undefined function as a misplaced parenthesis after a variable.
    if (e.GetCode() == mu::ecUNEXPECTED_PARENS) {
      const std::string function = name_before(text, static_cast<std::size_t>(e.GetPos()));
      if (!function.empty()) throw fail("unknown function '" + function + "'");
    }
    throw fail(strip_trailing_period(e.GetMsg()));
  }
}

std::optional<double> InputDeck::resolve_name(const std::string& name, EvalContext& ctx) const {
  // Deck keys first (full dotted names), then my_constants, then the built-in constants.
  std::string target;
  if (defs_.count(name) != 0) {
    target = name;
  } else if (defs_.count(kConstantsPrefix + name) != 0) {
    target = kConstantsPrefix + name;
  } else {
    const auto& constants = builtin_constants();
    auto it = constants.find(name);
    if (it == constants.end()) return std::nullopt;
    return it->second;
  }

  if (auto hit = ctx.cache.find(target); hit != ctx.cache.end()) return hit->second;
  auto on_stack =
      std::find_if(ctx.stack.begin(), ctx.stack.end(), [&](const auto& e) { return e.first == target; });
  if (on_stack != ctx.stack.end()) {
    std::vector<std::string> cycle;
    for (auto it = on_stack; it != ctx.stack.end(); ++it) cycle.push_back(it->first);
    cycle.push_back(target);
    const auto& [key, where] = ctx.stack.back();
    throw InputError(key, where.str(), "circular reference: " + join(cycle, " -> "));
  }

  const Definition& def = defs_.at(target);
  ctx.referenced.insert(target);
  ctx.stack.emplace_back(target, def.where);
  const double v = evaluate(join(def.tokens, " "), target, def.where, "a numeric expression", ctx);
  ctx.stack.pop_back();
  ctx.cache[target] = v;
  return v;
}

double InputDeck::evaluate_top(const std::string& expr, const std::string& key, const SourceLocation& where,
                               const std::string& expected) {
  EvalContext ctx;
  ctx.stack.emplace_back(key, where);
  const double v = evaluate(expr, key, where, expected, ctx);
  referenced_.insert(ctx.referenced.begin(), ctx.referenced.end());
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Typed access

std::optional<double> InputDeck::query_double(const std::string& key) {
  const Definition* def = lookup(key);
  if (def == nullptr) return std::nullopt;
  // A scalar may be written with spaces ("2 * pi"), which the tokenizer split apart.
  return evaluate_top(join(def->tokens, " "), key, def->where, "a numeric expression");
}

double InputDeck::get_double(const std::string& key) {
  require(key);
  return *query_double(key);
}

std::optional<long long> InputDeck::query_int(const std::string& key) {
  const Definition* def = lookup(key);
  if (def == nullptr) return std::nullopt;
  // Plain integer literals are parsed directly: going through a double would lose exactness above 2^53.
  if (def->tokens.size() == 1) {
    const std::string& tok = def->tokens[0];
    long long v = 0;
    auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (ec == std::errc() && ptr == tok.data() + tok.size()) return v;
  }
  const std::string expr = join(def->tokens, " ");
  const std::string expected = "an integer expression";
  const double v = evaluate_top(expr, key, def->where, expected);
  // 2^63 is exactly representable; every double in [-2^63, 2^63) that is integral fits in a long long.
  constexpr double limit = 9223372036854775808.0;
  if (v != std::trunc(v) || v < -limit || v >= limit) {
    throw InputError(key, def->where.str(),
                     "expected " + expected + ", got '" + expr + "' (evaluates to " + format_number(v) +
                         (v == std::trunc(v) ? ", which is out of range)" : ", which is not an integer)"));
  }
  return static_cast<long long>(v);
}

long long InputDeck::get_int(const std::string& key) {
  require(key);
  return *query_int(key);
}

std::optional<bool> InputDeck::query_bool(const std::string& key) {
  const Definition* def = lookup(key);
  if (def == nullptr) return std::nullopt;
  if (def->tokens.size() == 1) {
    const std::string v = to_lower(def->tokens[0]);
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
  }
  throw InputError(key, def->where.str(),
                   "expected a boolean (true, false, 1 or 0), got '" + join(def->tokens, " ") + "'");
}

bool InputDeck::get_bool(const std::string& key) {
  require(key);
  return *query_bool(key);
}

std::optional<std::string> InputDeck::query_string(const std::string& key) {
  const Definition* def = lookup(key);
  if (def == nullptr) return std::nullopt;
  if (def->tokens.empty())
    throw InputError(key, def->where.str(), "expected a single word, got an empty value");
  if (def->tokens.size() > 1) {
    throw InputError(key, def->where.str(),
                     "expected a single word, got " + std::to_string(def->tokens.size()) + " items '" +
                         join(def->tokens, " ") + "' (use double quotes for a value with spaces)");
  }
  return def->tokens[0];
}

std::string InputDeck::get_string(const std::string& key) {
  require(key);
  return *query_string(key);
}

std::optional<std::vector<std::string>> InputDeck::query_strings(const std::string& key) {
  const Definition* def = lookup(key);
  if (def == nullptr) return std::nullopt;
  return def->tokens;
}

std::vector<std::string> InputDeck::get_strings(const std::string& key) { return require(key).tokens; }

std::optional<std::vector<double>> InputDeck::query_doubles(const std::string& key) {
  const Definition* def = lookup(key);
  if (def == nullptr) return std::nullopt;
  std::vector<double> out;
  out.reserve(def->tokens.size());
  for (std::size_t i = 0; i < def->tokens.size(); ++i) {
    const std::string expected = def->tokens.size() == 1
                                     ? "a numeric expression"
                                     : "a numeric expression for list item " + std::to_string(i + 1) +
                                           " of " + std::to_string(def->tokens.size());
    out.push_back(evaluate_top(def->tokens[i], key, def->where, expected));
  }
  return out;
}

std::vector<double> InputDeck::get_doubles(const std::string& key) {
  require(key);
  return *query_doubles(key);
}

// ---------------------------------------------------------------------------------------------------------
// Bookkeeping

void InputDeck::declare(const std::string& key) { asked_.insert(key); }

SourceLocation InputDeck::location(const std::string& key) const {
  auto it = defs_.find(key);
  return it == defs_.end() ? SourceLocation{} : it->second.where;
}

std::vector<std::string> InputDeck::keys() const { return order_; }

std::vector<std::string> InputDeck::unread_keys() const {
  std::vector<std::string> out;
  for (const std::string& key : order_) {
    if (asked_.count(key) == 0 && referenced_.count(key) == 0) out.push_back(key);
  }
  return out;
}

std::string InputDeck::did_you_mean(const std::string& key) const { return closest(key, asked_); }

}  // namespace wakeline::io
