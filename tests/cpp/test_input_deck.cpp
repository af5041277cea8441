// Tests for the ParmParse-dialect deck reader (src/io/InputDeck.*).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "io/InputDeck.hpp"

namespace {

namespace fs = std::filesystem;
using wakeline::InputError;
using wakeline::io::InputDeck;

InputDeck deck_of(const std::string& text) { return InputDeck::from_string(text, "deck.in"); }

// Runs `f`, which must throw InputError, and returns the exception's message ("" after a failure).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return {};
}

::testing::AssertionResult has_text(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not found in: " << text;
}

// A scratch directory removed when the test ends.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("wakeline_input_deck_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `relative` (creating directories) and returns the full path.
  std::string write(const std::string& relative, const std::string& text) const {
    const fs::path p = path_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(InputDeck, PlainNumbers) {
  InputDeck deck = deck_of(
      "beam.kin_energy = 2.0e3\n"
      "beam.charge = 1.0e-9\n"
      "quad2.k = -1.0\n"
      "beam.lambdaT = 3.369701494258956e-4\n"
      "half = .5\n"
      "beam.npart = 10000\n");
  EXPECT_DOUBLE_EQ(deck.get_double("beam.kin_energy"), 2000.0);
  EXPECT_DOUBLE_EQ(deck.get_double("beam.charge"), 1.0e-9);
  EXPECT_DOUBLE_EQ(deck.get_double("quad2.k"), -1.0);
  // Literals must round-trip exactly, not merely approximately.
  EXPECT_EQ(deck.get_double("beam.lambdaT"), 3.369701494258956e-4);
  EXPECT_DOUBLE_EQ(deck.get_double("half"), 0.5);
  EXPECT_EQ(deck.get_int("beam.npart"), 10000);
  EXPECT_DOUBLE_EQ(deck.get_double("beam.npart"), 10000.0);
}

TEST(InputDeck, Lists) {
  InputDeck deck = deck_of(
      "lattice.elements = monitor drift1 monitor quad1\n"
      "amr.n_cell = 16 16 20\n"
      "geometry.prob_relative = 1.2 1.1\n"
      "mixed = 2*pi -1 1e3 \"1 + 1\"\n"
      "empty =\n");
  EXPECT_EQ(deck.get_strings("lattice.elements"),
            (std::vector<std::string>{"monitor", "drift1", "monitor", "quad1"}));
  EXPECT_EQ(deck.get_doubles("amr.n_cell"), (std::vector<double>{16, 16, 20}));
  EXPECT_EQ(deck.get_doubles("geometry.prob_relative"), (std::vector<double>{1.2, 1.1}));
  const std::vector<double> mixed = deck.get_doubles("mixed");
  ASSERT_EQ(mixed.size(), 4u);
  EXPECT_DOUBLE_EQ(mixed[0], 2 * wakeline::constants::pi);
  EXPECT_DOUBLE_EQ(mixed[1], -1.0);
  EXPECT_DOUBLE_EQ(mixed[2], 1000.0);
  EXPECT_DOUBLE_EQ(mixed[3], 2.0);
  EXPECT_TRUE(deck.get_strings("empty").empty());
  // A list is not a scalar.
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("geometry.prob_relative"); }), "deck.in:3"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_string("lattice.elements"); }), "4 items"));
  // A bad list item is identified by its position.
  InputDeck bad = deck_of("v = 1 2 oops\n");
  EXPECT_TRUE(has_text(error_of([&] { bad.get_doubles("v"); }), "list item 3 of 3, got 'oops'"));
}

TEST(InputDeck, ScalarExpressionWithSpaces) {
  InputDeck deck = deck_of("a = 2 * pi\nb = 1 -3\n");
  EXPECT_DOUBLE_EQ(deck.get_double("a"), 2 * wakeline::constants::pi);
  EXPECT_DOUBLE_EQ(deck.get_double("b"), -2.0);
}

TEST(InputDeck, QuotedStrings) {
  InputDeck deck = deck_of(
      "algo.poisson_solver = \"fft\"\n"
      "title = \"two words\" plain\n"
      "hash = \"a # is not a comment\"  # but this is\n"
      "blank = \"\"\n");
  EXPECT_EQ(deck.get_string("algo.poisson_solver"), "fft");
  EXPECT_EQ(deck.get_strings("title"), (std::vector<std::string>{"two words", "plain"}));
  EXPECT_EQ(deck.get_string("hash"), "a # is not a comment");
  EXPECT_EQ(deck.get_string("blank"), "");
  // A multi-token value is not a single string.
  const std::string msg = error_of([&] { deck.get_string("title"); });
  EXPECT_TRUE(has_text(msg, "'title'"));
  EXPECT_TRUE(has_text(msg, "deck.in:2"));
  EXPECT_TRUE(has_text(msg, "2 items"));
}

TEST(InputDeck, UnterminatedQuoteIsAnError) {
  const std::string msg = error_of([] { deck_of("a = 1\nbad = \"unterminated\n"); });
  EXPECT_TRUE(has_text(msg, "deck.in:2"));
  EXPECT_TRUE(has_text(msg, "unterminated"));
}

TEST(InputDeck, Comments) {
  InputDeck deck = deck_of(
      "###############\n"
      "# Particle Beam(s)\n"
      "beam.npart = 10000  # outside tests, use 1e5 or more\n"
      "#beam.npart = 100000  # optional for increased precision\n"
      "   # indented comment\n"
      "\n"
      "dipedge1.type = dipedge   # dipole edge focusing\n"
      "#amr.n_cell = 56 56 48\n");
  EXPECT_EQ(deck.get_int("beam.npart"), 10000);
  EXPECT_EQ(deck.location("beam.npart").line, 3);
  EXPECT_EQ(deck.get_string("dipedge1.type"), "dipedge");
  EXPECT_FALSE(deck.contains("amr.n_cell"));
  EXPECT_EQ(deck.keys(), (std::vector<std::string>{"beam.npart", "dipedge1.type"}));
}

TEST(InputDeck, ContinuationLines) {
  // As in the chicane and rfcavity decks: trailing backslash, possibly followed by spaces or CR.
  InputDeck deck = deck_of(
      "lattice.elements = a b c \\\n"
      "                   d e    \\   \n"
      "                   f\n"
      "rf.cos_coefficients =       \\\r\n"
      "    0.5                     \\\r\n"
      "    -0.25\r\n"
      "after = 1\n"
      "commented = 1 # a backslash in a comment does not continue \\\n"
      "next = 2\n");
  EXPECT_EQ(deck.get_strings("lattice.elements"), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(deck.get_doubles("rf.cos_coefficients"), (std::vector<double>{0.5, -0.25}));
  // A continued definition is located at its first line; later lines keep their own numbers.
  EXPECT_EQ(deck.location("lattice.elements").line, 1);
  EXPECT_EQ(deck.location("rf.cos_coefficients").line, 4);
  EXPECT_EQ(deck.location("after").line, 7);
  EXPECT_EQ(deck.get_double("commented"), 1.0);
  EXPECT_EQ(deck.get_double("next"), 2.0);
  EXPECT_EQ(deck.location("next").line, 9);
}

TEST(InputDeck, LastDefinitionWins) {
  InputDeck deck = deck_of(
      "a = 1\n"
      "b = x\n"
      "a = 2\n");
  EXPECT_EQ(deck.get_double("a"), 2.0);
  EXPECT_EQ(deck.location("a").str(), "deck.in:3");
  EXPECT_EQ(deck.keys(), (std::vector<std::string>{"a", "b"}));
}

TEST(InputDeck, KeysAreCaseSensitive) {
  InputDeck deck = deck_of("Beam.npart = 1\nbeam.npart = 2\n");
  EXPECT_EQ(deck.get_int("Beam.npart"), 1);
  EXPECT_EQ(deck.get_int("beam.npart"), 2);
  EXPECT_FALSE(deck.contains("BEAM.NPART"));
}

TEST(InputDeck, LineWithoutEqualsIsAnError) {
  const std::string msg = error_of([] { deck_of("a = 1\n\nbeam.npart 100\n"); });
  EXPECT_TRUE(has_text(msg, "deck.in:3"));
  EXPECT_TRUE(has_text(msg, "beam.npart 100"));
  EXPECT_TRUE(has_text(error_of([] { deck_of("= 5\n"); }), "deck.in:1"));
  EXPECT_TRUE(has_text(error_of([] { deck_of("two words = 5\n"); }), "'two words'"));
}

TEST(InputDeck, BuiltinConstantsAndFunctions) {
  namespace k = wakeline::constants;
  InputDeck deck = deck_of(
      "two_pi = 2*pi\n"
      "c = clight\n"
      "masses = m_e m_p m_u\n"
      "em = q_e epsilon0 mu0\n"
      "pow1 = 2^10\n"
      "pow2 = 2**10\n"
      "pow3 = pow(2, 0.5)\n"
      "funcs = sqrt(16) exp(0) log(exp(2)) sin(0) cos(0) tan(0) asin(1) acos(1) atan(1) atan2(1,1)\n"
      "funcs2 = sinh(0) cosh(0) tanh(0) abs(-3) min(3,-2) max(3,-2)\n"
      "neg = -2^2\n"
      "sci = 1.5e-3*2.0e3\n");
  EXPECT_DOUBLE_EQ(deck.get_double("two_pi"), 2 * k::pi);
  EXPECT_EQ(deck.get_double("c"), 299792458.0);
  EXPECT_EQ(deck.get_doubles("masses"), (std::vector<double>{k::m_e, k::m_p, k::m_u}));
  EXPECT_EQ(deck.get_doubles("em"), (std::vector<double>{k::q_e, k::epsilon0, k::mu0}));
  EXPECT_EQ(deck.get_double("pow1"), 1024.0);
  EXPECT_EQ(deck.get_double("pow2"), 1024.0);
  EXPECT_DOUBLE_EQ(deck.get_double("pow3"), std::sqrt(2.0));
  const std::vector<double> f = deck.get_doubles("funcs");
  const std::vector<double> expected{4, 1, 2, 0, 1, 0, k::pi / 2, 0, k::pi / 4, k::pi / 4};
  ASSERT_EQ(f.size(), expected.size());
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_NEAR(f[i], expected[i], 1e-15) << "item " << i;
  EXPECT_EQ(deck.get_doubles("funcs2"), (std::vector<double>{0, 1, 0, 3, -2, 3}));
  // Power binds tighter than unary minus, as in mathematics.
  EXPECT_EQ(deck.get_double("neg"), -4.0);
  EXPECT_DOUBLE_EQ(deck.get_double("sci"), 3.0);
}

TEST(InputDeck, MyConstantsChain) {
  InputDeck deck = deck_of(
      "my_constants.a = 2\n"
      "my_constants.b = 3*a\n"
      "my_constants.c = b + a\n"  // a chain: c -> b -> a
      "x = c + my_constants.a\n"
      "y = 2*later\n"
      "my_constants.later = 21\n");  // may be used before its definition
  EXPECT_DOUBLE_EQ(deck.get_double("x"), 10.0);
  EXPECT_DOUBLE_EQ(deck.get_double("y"), 42.0);
  EXPECT_EQ(deck.get_int("y"), 42);
}

TEST(InputDeck, KeyReferences) {
  InputDeck deck = deck_of(
      "beam.lambdaX = 3.9984884770e-5\n"
      "beam.lambdaY = beam.lambdaX\n"
      "beam.muxpx = -0.846574929020762\n"
      "beam.muypy = -beam.muxpx\n"
      "constf1.kx = 0.7\n"
      "constf1.ky = constf1.kx\n"
      "constf1.kt = constf1.ky * 2\n"
      "quad2.k = -quad1.k\n"  // forward reference
      "quad1.k = -103.12574100336\n");
  EXPECT_EQ(deck.get_double("beam.lambdaY"), 3.9984884770e-5);
  EXPECT_EQ(deck.get_double("beam.muypy"), 0.846574929020762);
  EXPECT_EQ(deck.get_double("constf1.ky"), 0.7);
  EXPECT_DOUBLE_EQ(deck.get_double("constf1.kt"), 1.4);
  EXPECT_EQ(deck.get_double("quad2.k"), 103.12574100336);
}

TEST(InputDeck, UndefinedReferenceIsAnError) {
  InputDeck deck = deck_of(
      "beam.lambdaX = 1e-3\n"
      "beam.lambdaY = beam.lambdaZ\n");
  const std::string msg = error_of([&] { deck.get_double("beam.lambdaY"); });
  EXPECT_TRUE(has_text(msg, "deck.in:2: 'beam.lambdaY'"));
  EXPECT_TRUE(has_text(msg, "unknown name 'beam.lambdaZ'"));
  EXPECT_TRUE(has_text(msg, "did you mean 'beam.lambdaX'"));
}

TEST(InputDeck, ErrorInReferencedKeyNamesThatKey) {
  InputDeck deck = deck_of(
      "a = b * 2\n"
      "b = proton\n");
  const std::string msg = error_of([&] { deck.get_double("a"); });
  EXPECT_TRUE(has_text(msg, "deck.in:2: 'b'"));
  EXPECT_TRUE(has_text(msg, "needed by 'a' (deck.in:1)"));
}

TEST(InputDeck, CycleDetection) {
  InputDeck deck = deck_of(
      "a = b + 1\n"
      "b = my_constants.c\n"
      "my_constants.c = a\n"
      "self = self\n");
  const std::string msg = error_of([&] { deck.get_double("a"); });
  EXPECT_TRUE(has_text(msg, "circular reference: a -> b -> my_constants.c -> a"));
  EXPECT_TRUE(has_text(msg, "deck.in:3"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("self"); }), "circular reference: self -> self"));
}

TEST(InputDeck, SharedReferencesAreNotCycles) {
  // A diamond (d uses b and c, both use a) must not be mistaken for a cycle.
  InputDeck deck = deck_of("a = 1\nb = a + 1\nc = a + 2\nd = b * c\n");
  EXPECT_DOUBLE_EQ(deck.get_double("d"), 6.0);
}

TEST(InputDeck, Overrides) {
  InputDeck deck = deck_of(
      "beam.npart = 10000\n"
      "beam.lambdaX = 1e-3\n"
      "beam.lambdaY = beam.lambdaX\n"
      "algo.space_charge = false\n");
  deck.add_override("beam.npart=500");
  deck.add_override("beam.lambdaX = 2e-3");
  deck.add_override("algo.space_charge =true");
  deck.add_override("new.key = \"x y\" z");
  deck.add_override("beam.npart = 7");  // later overrides win
  EXPECT_EQ(deck.get_int("beam.npart"), 7);
  EXPECT_EQ(deck.location("beam.npart").str(), "command line");
  EXPECT_EQ(deck.location("beam.npart").line, 0);
  // References see the overridden value.
  EXPECT_DOUBLE_EQ(deck.get_double("beam.lambdaY"), 2e-3);
  EXPECT_TRUE(deck.get_bool("algo.space_charge"));
  EXPECT_EQ(deck.get_strings("new.key"), (std::vector<std::string>{"x y", "z"}));
  // Overridden keys keep their place; new ones are appended.
  EXPECT_EQ(deck.keys(), (std::vector<std::string>{"beam.npart", "beam.lambdaX", "beam.lambdaY",
                                                   "algo.space_charge", "new.key"}));
  EXPECT_EQ(deck.location("beam.lambdaY").str(), "deck.in:3");
}

TEST(InputDeck, MalformedOverrides) {
  InputDeck deck = deck_of("a = 1\n");
  for (const std::string bad : {"novalue", "=5", "", "  = 3", "two words=1"}) {
    try {
      deck.add_override(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InputError& e) {
      EXPECT_EQ(e.where(), "command line") << bad;
    }
  }
  EXPECT_EQ(deck.get_double("a"), 1.0);
  // An error in an overridden value is reported at "command line".
  deck.add_override("a = nonsense");
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("a"); }), "command line: 'a'"));
}

TEST(InputDeck, FileInclude) {
  TempDir dir;
  dir.write("sub/common.in",
            "# shared settings\n"
            "beam.particle = electron\n"
            "beam.npart = 100\n"
            "FILE = more.in\n");  // relative to sub/, not to the top-level deck
  dir.write("sub/more.in", "my_constants.L = 2.5\n");
  const std::string main = dir.write("main.in",
                                     "beam.kin_energy = 2.0e3\n"
                                     "FILE = sub/common.in\n"
                                     "beam.npart = 200   # after the include: wins\n"
                                     "drift1.ds = 2*L\n");
  InputDeck deck = InputDeck::from_file(main);
  EXPECT_EQ(deck.get_string("beam.particle"), "electron");
  EXPECT_EQ(deck.get_int("beam.npart"), 200);
  EXPECT_DOUBLE_EQ(deck.get_double("drift1.ds"), 5.0);
  EXPECT_EQ(deck.location("beam.kin_energy").str(), main + ":1");
  EXPECT_EQ(deck.location("beam.particle").str(), (dir.path() / "sub/common.in").string() + ":2");
  EXPECT_EQ(deck.location("my_constants.L").str(), (dir.path() / "sub/more.in").string() + ":1");
  EXPECT_EQ(deck.keys(), (std::vector<std::string>{"beam.kin_energy", "beam.particle", "beam.npart",
                                                   "my_constants.L", "drift1.ds"}));
  EXPECT_FALSE(deck.contains("FILE"));
}

TEST(InputDeck, FileIncludeErrors) {
  TempDir dir;
  const std::string missing = dir.write("missing.in", "a = 1\nFILE = nowhere.in\n");
  const std::string msg = error_of([&] { InputDeck::from_file(missing); });
  EXPECT_TRUE(has_text(msg, missing + ":2"));
  EXPECT_TRUE(has_text(msg, "nowhere.in"));

  dir.write("loop_b.in", "FILE = loop_a.in\n");
  const std::string loop = dir.write("loop_a.in", "FILE = loop_b.in\n");
  EXPECT_TRUE(has_text(error_of([&] { InputDeck::from_file(loop); }), "circular FILE include"));
}

TEST(InputDeck, UnreadableFile) {
  TempDir dir;
  const std::string path = (dir.path() / "does_not_exist.in").string();
  try {
    InputDeck::from_file(path);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_EQ(e.key(), "");
    EXPECT_TRUE(has_text(e.what(), "cannot read"));
  }
  EXPECT_TRUE(has_text(error_of([&] { InputDeck::from_file(dir.path().string()); }), "cannot read"));
}

TEST(InputDeck, IntParsing) {
  InputDeck deck = deck_of(
      "n1 = 10000\n"
      "n2 = 1e4\n"
      "n3 = 2*3 + 1\n"
      "n4 = -12\n"
      "big = 9007199254740993\n"  // 2^53 + 1: not representable as a double
      "frac = 2.5\n"
      "word = abc\n"
      "huge = 1e30\n");
  EXPECT_EQ(deck.get_int("n1"), 10000);
  EXPECT_EQ(deck.get_int("n2"), 10000);
  EXPECT_EQ(deck.get_int("n3"), 7);
  EXPECT_EQ(deck.get_int("n4"), -12);
  EXPECT_EQ(deck.get_int("big"), 9007199254740993LL);
  const std::string frac = error_of([&] { deck.get_int("frac"); });
  EXPECT_TRUE(has_text(frac, "deck.in:6: 'frac': expected an integer expression, got '2.5'"));
  EXPECT_TRUE(has_text(frac, "not an integer"));
  EXPECT_TRUE(
      has_text(error_of([&] { deck.get_int("word"); }), "deck.in:7: 'word': expected an integer expression"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_int("huge"); }), "out of range"));
  EXPECT_EQ(deck.query_int("absent"), std::nullopt);
}

TEST(InputDeck, BoolParsing) {
  InputDeck deck = deck_of(
      "t1 = true\n"
      "t2 = TRUE\n"
      "t3 = 1\n"
      "f1 = false\n"
      "f2 = False\n"
      "f3 = 0\n"
      "bad = yes\n"
      "two = true false\n");
  EXPECT_TRUE(deck.get_bool("t1"));
  EXPECT_TRUE(deck.get_bool("t2"));
  EXPECT_TRUE(deck.get_bool("t3"));
  EXPECT_FALSE(deck.get_bool("f1"));
  EXPECT_FALSE(deck.get_bool("f2"));
  EXPECT_FALSE(deck.get_bool("f3"));
  const std::string msg = error_of([&] { deck.get_bool("bad"); });
  EXPECT_TRUE(has_text(msg, "deck.in:7: 'bad'"));
  EXPECT_TRUE(has_text(msg, "true, false, 1 or 0"));
  EXPECT_TRUE(has_text(msg, "'yes'"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_bool("two"); }), "'true false'"));
  EXPECT_EQ(deck.query_bool("absent"), std::nullopt);
}

TEST(InputDeck, MissingKey) {
  InputDeck deck = deck_of("beam.nparts = 10\n");
  try {
    deck.get_int("beam.npart");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "beam.npart");
    EXPECT_TRUE(has_text(e.what(), "missing required key"));
    // The deck's near miss is pointed out.
    EXPECT_TRUE(has_text(e.what(), "'beam.nparts' at deck.in:1"));
  }
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("x"); }), "'x': missing required key"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_bool("x"); }), "missing required key"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_string("x"); }), "missing required key"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_strings("x"); }), "missing required key"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_doubles("x"); }), "missing required key"));
  EXPECT_EQ(deck.query_double("x"), std::nullopt);
  EXPECT_EQ(deck.query_string("x"), std::nullopt);
  EXPECT_EQ(deck.query_strings("x"), std::nullopt);
  EXPECT_EQ(deck.query_doubles("x"), std::nullopt);
  EXPECT_EQ(deck.location("x").str(), "");
}

TEST(InputDeck, NonNumericValueErrorMessage) {
  std::string text;
  for (int i = 1; i <= 11; ++i) text += "# line " + std::to_string(i) + "\n";
  text += "beam.npart = abc\n";  // line 12
  text += "beam.units = static\n";
  InputDeck deck = InputDeck::from_string(text, "input_fodo.in");
  try {
    deck.get_int("beam.npart");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "beam.npart");
    EXPECT_EQ(e.where(), "input_fodo.in:12");
    EXPECT_TRUE(
        has_text(e.what(), "input_fodo.in:12: 'beam.npart': expected an integer expression, got 'abc' ("));
  }
  const std::string msg = error_of([&] { deck.get_double("beam.units"); });
  EXPECT_TRUE(has_text(msg, "input_fodo.in:13: 'beam.units': expected a numeric expression, got 'static'"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("beam.npart"); }), "unknown name 'abc'"));
}

TEST(InputDeck, SyntaxErrorsAndNonFiniteResults) {
  InputDeck deck = deck_of(
      "syntax = 2 * (3 + \n"
      "nan = sqrt(-1)\n"
      "inf = 1/0\n"
      "list = 1 log(0)\n"
      "func = 2 * foo(3)\n");
  EXPECT_TRUE(
      has_text(error_of([&] { deck.get_double("syntax"); }), "deck.in:1: 'syntax': expected a numeric"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("nan"); }), "evaluates to nan"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("inf"); }), "evaluates to inf"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_doubles("list"); }), "evaluates to -inf"));
  EXPECT_TRUE(has_text(error_of([&] { deck.get_double("func"); }), "unknown function 'foo'"));
}

TEST(InputDeck, UnreadKeys) {
  InputDeck deck = deck_of(
      "beam.npart = 10\n"
      "beam.nparts = 10\n"
      "beam.lambdaX = 1\n"
      "beam.lambdaY = beam.lambdaX\n"
      "monitor.backend = h5\n"
      "my_constants.unused = 3\n");
  EXPECT_EQ(deck.unread_keys(), deck.keys());
  deck.get_int("beam.npart");
  deck.get_double("beam.lambdaY");  // also consumes beam.lambdaX through the reference
  deck.declare("monitor.backend");
  deck.query_double("not.in.deck");
  EXPECT_EQ(deck.unread_keys(), (std::vector<std::string>{"beam.nparts", "my_constants.unused"}));
}

TEST(InputDeck, DidYouMean) {
  InputDeck deck = deck_of("beam.nparts = 10\nquad1.k = 1\n");
  EXPECT_EQ(deck.did_you_mean("beam.nparts"), "");  // nothing asked for yet
  EXPECT_EQ(deck.query_int("beam.npart"), std::nullopt);
  deck.get_double("quad1.k");
  EXPECT_EQ(deck.did_you_mean("beam.nparts"), "beam.npart");
  EXPECT_EQ(deck.did_you_mean("bema.npart"), "beam.npart");  // transposition
  EXPECT_EQ(deck.did_you_mean("lattice.elements"), "");      // nothing close
  EXPECT_EQ(deck.did_you_mean("quad1.k"), "");               // a known key does not suggest itself

  // Keys with the same prefix (element name) are preferred over closer keys of another element.
  InputDeck elems = deck_of("drift1.length = 1\n");
  elems.declare("drift2.length");
  elems.declare("drift1.len");
  EXPECT_EQ(elems.did_you_mean("drift1.length"), "drift1.len");
  elems.declare("sbend.rc");
  EXPECT_EQ(elems.did_you_mean("sbend.r"), "sbend.rc");
}

TEST(InputDeck, ConformanceStyleDeck) {
  // An excerpt of the ImpactX FODO deck, read the way the lattice builder will read it.
  InputDeck deck = deck_of(
      "beam.npart = 10000\n"
      "beam.units = static\n"
      "beam.kin_energy = 2.0e3\n"
      "beam.particle = electron\n"
      "beam.lambdaX = 3.9984884770e-5\n"
      "beam.lambdaY = beam.lambdaX\n"
      "beam.muxpx = -0.846574929020762\n"
      "beam.muypy = -beam.muxpx\n"
      "lattice.elements = monitor drift1 monitor quad1\n"
      "lattice.nslice = 25\n"
      "quad1.type = quad\n"
      "quad1.ds = 1.0\n"
      "quad1.k = 1.0\n"
      "algo.space_charge = false\n"
      "algo.poisson_solver = \"fft\"\n");
  EXPECT_EQ(deck.get_int("beam.npart"), 10000);
  EXPECT_EQ(deck.get_string("beam.particle"), "electron");
  EXPECT_EQ(deck.get_double("beam.muypy"), 0.846574929020762);
  EXPECT_EQ(deck.get_strings("lattice.elements").size(), 4u);
  EXPECT_EQ(deck.query_int("lattice.nslice").value_or(1), 25);
  EXPECT_EQ(deck.query_int("quad1.nslice").value_or(1), 1);
  EXPECT_FALSE(deck.get_bool("algo.space_charge"));
  EXPECT_EQ(deck.get_string("algo.poisson_solver"), "fft");
}

}  // namespace
