#include "tracking/Simulation.hpp"

#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include "collective/CoherentRadiation.hpp"
#include "collective/EnvelopeSpaceCharge.hpp"
#include "collective/Radiation.hpp"
#include "collective/SpaceCharge.hpp"
#include "tracking/Push.hpp"

namespace wakeline {

namespace {

// Moves particles with id < 0 to the lost container, keeping the order of the rest.
void remove_lost(Simulation& sim) {
  Particles& b = sim.beam;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b.id[i] < 0) {
      sim.lost.push_back_from(b, i);
      sim.lost.id.back() = -sim.lost.id.back();
    } else {
      if (keep != i) b.move_within(i, keep);
      ++keep;
    }
  }
  b.resize(keep);
}

// Gives particles that user code marked lost (id < 0) without an s_lost the reference s.
void mark_lost_at(Particles& b, double s) {
  for (std::size_t i = 0; i < b.size(); ++i)
    if (b.id[i] < 0 && b.s_lost[i] == 0.0) b.s_lost[i] = s;
}

// The physics of an element integrated in time through its fields (plasma_stage,
// active_plasma_lens), or null for any other element.
const elements::StagePhysics* stage_physics(const Element& e) {
  const elements::StageElement* stage = nullptr;
  if (const auto* p = std::get_if<elements::PlasmaStage>(&e)) stage = p;
  if (const auto* p = std::get_if<elements::ActivePlasmaLens>(&e)) stage = p;
  if (stage && !stage->physics)
    throw RunError("element '" + stage->name + "' (" + type_name(e) + ") has no physics model attached");
  return stage ? stage->physics.get() : nullptr;
}

// Walks the lattice slice by slice (ImpactX's loop: step++, reference push, then the mode's work
// in on_slice(element, entrance reference), then the observer's per-slice hooks). `sync` brings
// the particles up to date (ends a fused pass): before every user hook and before the final
// diagnostics.
template <class OnSlice, class Sync>
void walk(Simulation& sim, TrackObserver& observer, OnSlice&& on_slice, Sync&& sync) {
  const bool hooks = observer.wants_hooks();
  const auto hook = [&](void (TrackObserver::*h)(Simulation&)) {
    if (!hooks) return;
    sync();
    (observer.*h)(sim);
  };
  observer.initial(sim);
  const std::uint64_t total =
      sim.lattice.slices_per_period() * static_cast<std::uint64_t>(sim.lattice.periods);
  for (sim.period = 0; sim.period < sim.lattice.periods; ++sim.period) {
    hook(&TrackObserver::before_period);
    for (sim.element = 0; sim.element < sim.lattice.elements.size(); ++sim.element) {
      const Element& element = sim.lattice.elements[sim.element];
      hook(&TrackObserver::before_element);
      sim.ref.sedge = sim.ref.s;
      for (int slice = 0; slice < common(element).nslice; ++slice) {
        hook(&TrackObserver::before_slice);
        ++sim.step;
        const RefPart entrance = sim.ref;
        push_reference(element, sim.ref);
        on_slice(element, entrance);
        if (sim.slice_step_diagnostics) observer.after_slice(sim);
        observer.progress(sim.step, total);
      }
      hook(&TrackObserver::after_element);
    }
    hook(&TrackObserver::after_period);
  }
  sync();
  sim.period = sim.lattice.periods - 1;
  observer.final(sim);
}

}  // namespace

void track_envelope(Simulation& sim, TrackObserver& observer) {
  Particles centroid;
  centroid.resize(1);
  centroid.id[0] = 1;
  bool warned_correlation = false;
  walk(
      sim, observer,
      [&](const Element& element, const RefPart& entrance) {
        Envelope& env = sim.envelope;
        // Space charge first, over the slice length with the reference at the slice entrance, as
        // in particle mode (and ImpactX). It is linear about the centroid, so only Sigma changes.
        // Negative L (a reversed element) gives the exact inverse kick, as in particle mode.
        if (const double L = common(element).slice_ds(); enabled(sim.space_charge) && L != 0.0) {
          const auto& sc = sim.space_charge;
          if (sc.model == collective::SpaceChargeModel::three_d && !warned_correlation &&
              collective::envelope_3d_correlation(env.sigma) > 1e-3) {
            // ImpactX warns too: the uniform-ellipsoid field assumes upright x, y, t axes.
            std::fprintf(stderr,
                         "wakeline: warning: 3D envelope space charge assumes <xy> = <yt> = <tx> = 0; "
                         "the beam has a normalised correlation of %.3g (at s = %g m)\n",
                         collective::envelope_3d_correlation(env.sigma), entrance.s);
            warned_correlation = true;
          }
          const Matrix6 kick = collective::envelope_space_charge_kick(env.sigma, entrance, L, sc.model,
                                                                      sc.current_A, env.charge_C);
          env.sigma = kick * env.sigma * kick.transpose();
        }
        const Matrix6 r =
            rolled(linear_map(element, entrance, sim.ref), common(element).alignment.rotation_deg);
        env.sigma = r * env.sigma * r.transpose();
        SliceStep step = SliceStep::make(element, entrance, sim.ref);
        if (std::holds_alternative<std::monostate>(step.map)) return;
        step.has_aperture = false;  // an envelope has no particles to lose
        auto& c = env.centroid;
        centroid.x[0] = c[0], centroid.px[0] = c[1], centroid.y[0] = c[2], centroid.py[0] = c[3];
        centroid.t[0] = c[4], centroid.pt[0] = c[5];
        centroid.id[0] = 1;
        apply_steps(centroid, std::span<const SliceStep>(&step, 1));
        c = {centroid.x[0], centroid.px[0], centroid.y[0], centroid.py[0], centroid.t[0], centroid.pt[0]};
      },
      [] {});
}

void track_reference(Simulation& sim, TrackObserver& observer) {
  walk(
      sim, observer, [](const Element& /*element*/, const RefPart& /*entrance*/) {}, [] {});
}

void track(Simulation& sim, TrackObserver& observer) {
  switch (sim.mode) {
    case TrackMode::particles:
      track_particles(sim, observer);
      break;
    case TrackMode::envelope:
      track_envelope(sim, observer);
      break;
    case TrackMode::reference_orbit:
      track_reference(sim, observer);
      break;
  }
}

BeamMoments current_moments(const Simulation& sim) {
  if (sim.mode == TrackMode::envelope) {
    return moments_from_covariance(sim.envelope.centroid, sim.envelope.sigma, sim.ref.beta_gamma(),
                                   sim.envelope.charge_C);
  }
  return compute_moments(sim.beam, sim.ref);
}

void track_particles(Simulation& sim, TrackObserver& observer) {
  // Slices with nothing to observe in between are collected and pushed in one fused pass; a
  // monitor, a source, slice diagnostics or a step that can lose particles ends the batch.
  std::vector<SliceStep> pending;
  bool pending_losses = false;
  const auto flush = [&] {
    apply_steps(sim.beam, pending);
    pending.clear();
    if (pending_losses) remove_lost(sim);
    pending_losses = false;
  };
  collective::SpaceChargeSolver space_charge(sim.space_charge);
  walk(
      sim, observer,
      // `entrance` is a copy: ISR with isr_on_ref_part changes the reference at the slice entrance.
      [&](const Element& element, RefPart entrance) {
        const auto* monitor = std::get_if<elements::BeamMonitor>(&element);
        // Radiation in a bend slice, ImpactX's order: CSR kick, ISR kick, then space charge and the
        // element map, every kick with the particles and the reference at the slice entrance.
        if (const double L = common(element).slice_ds();
            enabled(sim.radiation) && L > 0.0 && !sim.beam.x.empty()) {
          if (const double rc = collective::radiation_bend_radius(element, entrance); rc != 0.0) {
            flush();  // the kicks need every particle at the slice entrance
            if (sim.radiation.csr) collective::csr_kick(sim.beam, entrance, L, rc, sim.radiation.csr_bins);
            if (sim.radiation.isr &&
                collective::isr_kick(sim.beam, entrance, L, rc, sim.radiation, sim.seed, sim.step) != 0.0) {
              // The reference lost energy before the element map, as in ImpactX, where the ISR kick
              // precedes the element's reference push. walk() has already pushed the old reference
              // through this slice, so push the radiated one again: the arc (a field bend's radius
              // is B rho/B), the time of flight and the particle map then all see the new energy.
              sim.ref = entrance;
              push_reference(element, sim.ref);
            }
          }
        }
        const elements::StagePhysics* stage = stage_physics(element);
        // A plasma stage's fields are the whole physics inside it (its wake models stand for the
        // plasma's response); the beamline's space-charge kick over its length would not apply.
        if (const double L = common(element).slice_ds(); enabled(sim.space_charge) && L != 0.0 && !stage) {
          flush();  // the kick needs every particle at the slice entrance
          space_charge.kick(sim.beam, entrance, L);
        }
        if (stage) {
          // The whole stage at once (nslice = 1): the particles must be up to date, and the stage
          // sets the exit reference (its energy is the beam's mean energy there), replacing the
          // drift-like push that walk() made.
          flush();
          sim.ref = entrance;
          if (observer.wants_stage_fields()) {
            const std::string& name = common(element).name;
            const elements::StageFieldSink sink = [&](const elements::StageFieldSnapshot& fields) {
              observer.stage_fields(name, fields, entrance, sim);
            };
            stage->track_with_fields(sim.beam, sim.ref, sink);
          } else {
            stage->track(sim.beam, sim.ref);
          }
          mark_lost_at(sim.beam, sim.ref.s);
          remove_lost(sim);
        } else if (const auto* source = std::get_if<elements::Source>(&element)) {
          flush();
          if (!source->active_once || sim.period == 0) source->inject(sim.beam, sim.ref);
        } else if (const auto* programmable = std::get_if<elements::Programmable>(&element)) {
          flush();
          if (programmable->push_beam) {
            programmable->push_beam(sim.beam, sim.ref, sim.step, sim.period);
            mark_lost_at(sim.beam, sim.ref.s);
            remove_lost(sim);
          }
        } else if (!monitor && !std::holds_alternative<elements::Marker>(element)) {
          pending.push_back(SliceStep::make(element, entrance, sim.ref));
          pending_losses = pending_losses || pending.back().can_lose;
        }
        if (pending_losses || monitor || sim.slice_step_diagnostics) flush();
        if (monitor) observer.monitor(*monitor, sim);
      },
      flush);
}

}  // namespace wakeline
