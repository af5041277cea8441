#pragma once
// PALS lattice files (Particle Accelerator Lattice Standard, YAML): read and write.
//
// Reading expands the selected Lattice (or BeamLine) into Wakeline elements. Each PALS element is
// translated into the ImpactX-dialect keys of one Wakeline element type (or a few: a Bend with edge
// angles becomes dipedge + body + dipedge) and built by the deck reader (read_element), so every
// default and range check is the one decks get. Parameters that PALS has no name for, and element
// types PALS has no kind for, use the namespaced Wakeline extension: the parameter group `WakelineP`
// (keys are the deck keys of the element type) and the kinds `Wakeline_<Type>`.
// docs/user-guide/pals.md lists the mapping, the units and the limits.
#include <string>
#include <vector>

#include "core/RefPart.hpp"
#include "elements/Element.hpp"

namespace wakeline::io {

// Reads the lattice of the PALS file `path`. `ref` is the reference particle (its signed rigidity
// converts field strengths such as Bn1 in T/m to normalised ones); `default_nslice` is the slice count
// of thick elements that give no WakelineP.nslice (the deck's lattice.nslice). Accepted input that has
// no effect is reported in `notices`, one line each. Throws InputError naming the file and line, the
// element and parameter, and what would be valid.
std::vector<Element> read_pals_lattice(const std::string& path, const RefPart& ref, int default_nslice,
                                       std::vector<std::string>& notices);

// The same from YAML text. `name` stands for the file in messages, and `include` entries resolve
// relative to its folder.
std::vector<Element> read_pals_lattice_text(const std::string& text, const std::string& name,
                                            const RefPart& ref, int default_nslice,
                                            std::vector<std::string>& notices);

// The elements as a PALS document: a BeginningEle with the reference particle, one facility
// definition per distinct element, a BeamLine `<lattice_name>_line` listing them, and the Lattice
// `lattice_name` selected by `use`. Numbers are written in the shortest form that reads back to the
// same double, and values PALS expresses in other units (angles in rad, RF phase in turns, field
// strengths) carry their exact Wakeline value in WakelineP, so read_pals_lattice returns elements
// that track bit for bit like the originals. Throws InputError for a lattice_name that is not a
// PALS name ([A-Za-z_][A-Za-z0-9_]*).
std::string write_pals_lattice(const std::vector<Element>& elements, const RefPart& ref,
                               const std::string& lattice_name = "lattice");

}  // namespace wakeline::io
