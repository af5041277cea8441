#pragma once
// Physical constants, CODATA 2018 (the values AMReX/ImpactX use), SI units.
namespace wakeline::constants {

inline constexpr double pi = 3.14159265358979323846;
inline constexpr double c = 299792458.0;              // speed of light, m/s
inline constexpr double q_e = 1.602176634e-19;        // elementary charge, C
inline constexpr double m_e = 9.1093837015e-31;       // electron mass, kg
inline constexpr double m_p = 1.67262192369e-27;      // proton mass, kg
inline constexpr double m_u = 1.66053906660e-27;      // atomic mass unit, kg
inline constexpr double epsilon0 = 8.8541878128e-12;  // vacuum permittivity, F/m
inline constexpr double mu0 = 1.25663706212e-06;      // vacuum permeability, H/m
inline constexpr double MeV = 1.0e6 * q_e;            // J per MeV

// Rest energies in MeV, derived from the masses so the two never disagree.
inline constexpr double m_e_MeV = m_e * c * c / MeV;
inline constexpr double m_p_MeV = m_p * c * c / MeV;

}  // namespace wakeline::constants
