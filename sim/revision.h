/* SPDX-License-Identifier: MIT */
/* sim/revision.h: the results revision, part of every sweep task's digest.
 * Bump it in any change after which the same model and seed give other
 * figures: a sweep then runs its earlier results again instead of mixing
 * them with new ones. 1: until November 2026; 2: exponential draws by the
 * ziggurat (sim/ziggurat.h) instead of by inversion. */
#ifndef SIM_REVISION_H
#define SIM_REVISION_H

#define SIM_RESULTS_REVISION "2"

#endif
