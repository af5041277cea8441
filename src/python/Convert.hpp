#pragma once
// Conversions shared by the binding files.
#include <pybind11/numpy.h>

#include <string>

#include "core/Error.hpp"
#include "core/Matrix6.hpp"
#include "elements/Element.hpp"

namespace wakeline::python {

// The Python face of one element. A wrapper rather than the variant itself: pybind11's STL casters
// would otherwise try to convert std::variant alternative by alternative.
struct ElementHandle {
  Element element;
};

// Runs `f`, reporting deck errors at `origin` (e.g. "elements.Quad(name='q1')") rather than at a
// line of the deck text the Python layer generated, which the user never saw.
template <class F>
auto with_origin(const std::string& origin, F&& f) {
  try {
    return f();
  } catch (const InputError& e) {
    std::string message = e.what();
    if (!e.where().empty() && message.rfind(e.where() + ": ", 0) == 0) message.erase(0, e.where().size() + 2);
    if (!e.key().empty() && message.rfind("'" + e.key() + "': ", 0) == 0)
      message.erase(0, e.key().size() + 4);
    throw InputError(e.key(), origin, message);
  }
}

inline pybind11::array_t<double> to_numpy(const Matrix6& r) {
  pybind11::array_t<double> a({6, 6});
  auto v = a.mutable_unchecked<2>();
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) v(i, j) = r(i, j);
  return a;
}

}  // namespace wakeline::python
