"""``twiss(...)``: ImpactX's helper that turns Twiss parameters into distribution keywords."""

from __future__ import annotations

from . import _core


def twiss(
    beta_x: float,
    beta_y: float,
    beta_t: float,
    emitt_x: float,
    emitt_y: float,
    emitt_t: float,
    alpha_x: float = 0.0,
    alpha_y: float = 0.0,
    alpha_t: float = 0.0,
    mean_x: float = 0.0,
    mean_y: float = 0.0,
    mean_t: float = 0.0,
    mean_px: float = 0.0,
    mean_py: float = 0.0,
    mean_pt: float = 0.0,
    dispersion_x: float = 0.0,
    dispersion_y: float = 0.0,
    dispersion_px: float = 0.0,
    dispersion_py: float = 0.0,
) -> dict[str, float]:
    """The keywords (lambdaX, ..., muxpx, ..., meanX, ..., dispX, ...) of a distribution with these
    Twiss parameters and unnormalised rms emittances (m): ``distribution.Waterbag(**twiss(...))``.
    Same formulas as beam.distribution = <kind>_from_twiss in a deck."""
    out: dict[str, float] = {}
    for plane, beta, emitt, alpha, mu in (("X", beta_x, emitt_x, alpha_x, "muxpx"),
                                          ("Y", beta_y, emitt_y, alpha_y, "muypy"),
                                          ("T", beta_t, emitt_t, alpha_t, "mutpt")):
        if not beta > 0:
            raise ValueError(f"twiss: beta_{plane.lower()} must be > 0, got {beta}")
        if not emitt > 0:
            raise ValueError(f"twiss: emitt_{plane.lower()} must be > 0, got {emitt}")
        lq, lp, m = _core.plane_from_twiss(alpha, beta, emitt)
        out[f"lambda{plane}"], out[f"lambdaP{plane.lower()}"], out[mu] = lq, lp, m
    out.update(meanX=mean_x, meanY=mean_y, meanT=mean_t, meanPx=mean_px, meanPy=mean_py, meanPt=mean_pt,
               dispX=dispersion_x, dispPx=dispersion_px, dispY=dispersion_y, dispPy=dispersion_py)
    return out
