#!/usr/bin/env python3
"""Figures of a plasma-stage run: the wake and the witness's energy gain.

For the examples lwfa_stage/lwfa.in and pwfa_stage/pwfa.in, or any deck with a quasistatic_2d stage
named `stage` that writes field snapshots (diag_fields_z / diag_fields_every) and beam monitors named
`entrance` and `exit` around it. Run the deck first, then:
    python plot_plasma_stage.py [DIAG_DIR] [-o stage.png]

Top row, for each field snapshot (up to three): the accelerating field E_z on the r-xi grid, with the
laser envelope |a| as contours when there is a laser. Bottom row: the on-axis E_z of the snapshots with
the witness's current profile, the witness's longitudinal phase space at the entrance and exit (kinetic
energy against xi), and its energy spectrum. Needs numpy, h5py and matplotlib (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import h5py
import numpy as np

MC2_MEV = 0.51099895000


def snapshots(path: Path) -> list[dict]:
    """Every iteration of <stage>_fields.h5: z (m), the grid, E_z, rho, |a| as (n_r, n_xi) arrays."""
    out = []
    with h5py.File(path, "r") as f:
        for key in sorted(f["data"], key=int):
            it = f["data"][key]
            m = it["meshes"]
            dr, dz = m["E"].attrs["gridSpacing"]
            ez = m["E"]["z"][0]
            # The distance into the stage and xi (relative to the reference particle) of the first node.
            snap = {"z": m.attrs["stageDistance"], "ez": ez, "a": m["a_mod"][0] if "a_mod" in m else None}
            snap["xi"] = m.attrs["xiMin"] + dz * np.arange(ez.shape[1])
            snap["r"] = dr * (0.5 + np.arange(ez.shape[0]))
            out.append(snap)
    return out


def witness(path: Path) -> dict:
    """The beam of an ImpactX-layout monitor: xi (m, = -t, beta ~ 1) and kinetic energy (MeV)."""
    with h5py.File(path, "r") as f:
        it = f["data"][sorted(f["data"], key=int)[-1]]
        sp = it["particles"]["beam"]
        t = sp["position"]["t"][()]
        pt = sp["momentum"]["t"][()]
        w = sp["weighting"][()]
        gamma_ref, bg_ref = sp.attrs["gamma_ref"], sp.attrs["beta_gamma_ref"]
    return {"xi": -t, "E": MC2_MEV * (gamma_ref - bg_ref * pt - 1.0), "w": w}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("diags", nargs="?", default="diags")
    parser.add_argument("-o", "--output", default="stage.png")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = Path(args.diags) / "openPMD"
    snaps = snapshots(d / "stage_fields.h5")[:3]
    w_in, w_out = witness(d / "entrance.h5"), witness(d / "exit.h5")
    n = len(snaps)
    fig, axes = plt.subplots(2, max(n, 3), figsize=(4.5 * max(n, 3), 7.5), constrained_layout=True)
    for k, s in enumerate(snaps):
        ax = axes[0, k]
        ext = [s["xi"][0] * 1e6, s["xi"][-1] * 1e6, 0, s["r"][-1] * 1e6]
        lim = np.abs(s["ez"]).max() / 1e9
        im = ax.imshow(s["ez"] / 1e9, origin="lower", aspect="auto", extent=ext, cmap="RdBu_r", vmin=-lim,
                       vmax=lim)
        if s["a"] is not None:
            ax.contour(s["xi"] * 1e6, s["r"] * 1e6, s["a"], levels=[0.5, 1.5, 2.5], colors="k", linewidths=0.7)
        ax.set_xlabel("ξ (µm)")
        ax.set_ylabel("r (µm)")
        ax.set_ylim(0, min(100, ext[3]))
        ax.set_title(f"E_z (GV/m){' and |a|' if s['a'] is not None else ''} at z = {s['z'] * 1e3:.1f} mm")
        fig.colorbar(im, ax=ax)

    ax = axes[1, 0]
    for s in snaps:
        ax.plot(s["xi"] * 1e6, s["ez"][0] / 1e9, label=f"z = {s['z'] * 1e3:.1f} mm")
    hist, edges = np.histogram(w_in["xi"], bins=60, weights=w_in["w"])
    ax2 = ax.twinx()
    ax2.fill_between(0.5 * (edges[1:] + edges[:-1]) * 1e6, hist / hist.max(), alpha=0.3, color="gray")
    ax2.set_yticks([])
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("ξ (µm)")
    ax.set_ylabel("on-axis E_z (GV/m)")
    ax.legend(fontsize=8)
    ax.set_title("on-axis wake and witness current (gray)")

    ax = axes[1, 1]
    ax.plot(w_in["xi"] * 1e6, w_in["E"], ",", color="tab:blue", label="entrance")
    ax.plot(w_out["xi"] * 1e6, w_out["E"], ",", color="tab:red", label="exit")
    ax.set_xlabel("ξ (µm)")
    ax.set_ylabel("kinetic energy (MeV)")
    ax.set_title("witness longitudinal phase space")
    ax.legend(markerscale=20)

    ax = axes[1, 2]
    for b, label, color in ((w_in, "entrance", "tab:blue"), (w_out, "exit", "tab:red")):
        ax.hist(b["E"], bins=80, weights=b["w"], histtype="step", color=color,
                label=f"{label}: {np.average(b['E'], weights=b['w']):.1f} MeV")
    ax.set_xlabel("kinetic energy (MeV)")
    ax.set_ylabel("particles / bin")
    ax.set_title("witness energy spectrum")
    ax.legend(fontsize=8)
    for k in range(n, axes.shape[1]):
        axes[0, k].axis("off")
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
