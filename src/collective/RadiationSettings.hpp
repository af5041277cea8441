#pragma once

namespace wakeline::collective {

// algo.isr, algo.isr_order, algo.isr_on_ref_part, algo.csr, algo.csr_bins: synchrotron radiation
// in the thick slices of bends, particle tracking only (docs/user-guide/radiation.md).
struct RadiationSettings {
  bool isr = false;              // incoherent synchrotron radiation: mean loss and quantum excitation
  int isr_order = 1;             // terms kept of the quantum corrections g(chi), h(chi): 1, 2 or 3
  bool isr_on_ref_part = false;  // the reference particle loses the mean energy too
  bool csr = false;              // 1D steady-state coherent synchrotron radiation wake
  int csr_bins = 150;            // nodes of the longitudinal charge profile
};

[[nodiscard]] inline bool enabled(const RadiationSettings& r) { return r.isr || r.csr; }

}  // namespace wakeline::collective
