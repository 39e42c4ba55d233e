/* SPDX-License-Identifier: MIT */
/* sim/ziggurat.c: the exponential ziggurat. Under f(x) = exp(-x) lie 256
 * layers of equal area v: layer 0 is [0, r] x [0, f(r)] with the tail beyond
 * r, and layer i >= 1 is [0, x_i] x [f(x_i), f(x_{i+1})], where x_1 = r and
 * x_{i+1} = f^-1(f(x_i) + v / x_i), down to x_256 = 0. A draw picks a layer
 * and a point along it: left of x_{i+1} the point is under f (accept);
 * otherwise it is in the tail (layer 0: r plus a fresh exponential, since
 * the exponential has no memory) or in a wedge, accepted when a uniform
 * height lies under f. r and v are Marsaglia and Tsang's for 256 layers;
 * the recursion closes the top layer to 1e-13. */
#include "sim/ziggurat.h"

#include <math.h>

static const double zig_r = 7.69711747013104972;
static const double zig_v = 3.9496598225815571993e-3;

/* Hot: k_i = 2^53 x_{i+1} / x_i (accept a 53-bit j below it) and
 * w_i = x_i / 2^53 (the point is j w_i), side by side. */
static struct {
    uint64_t k;
    double w;
} layer[SIM_ZIG_LAYERS];
static double edge[SIM_ZIG_LAYERS + 1];   /* x_i */
static double height[SIM_ZIG_LAYERS + 1]; /* f(x_i) */

/* At load time, before main(): the tables are then read-only, shared by
 * every stream and thread without a check per draw. */
__attribute__((constructor)) static void zig_tables(void)
{
    edge[0] = zig_v / exp(-zig_r);
    edge[1] = zig_r;
    for (int i = 1; i < SIM_ZIG_LAYERS - 1; i++)
        edge[i + 1] = -log(exp(-edge[i]) + zig_v / edge[i]);
    edge[SIM_ZIG_LAYERS] = 0;
    for (int i = 0; i < SIM_ZIG_LAYERS; i++) {
        layer[i].k = (uint64_t)(edge[i + 1] / edge[i] * 0x1.0p53);
        layer[i].w = edge[i] * 0x1.0p-53;
    }
    for (int i = 0; i <= SIM_ZIG_LAYERS; i++)
        height[i] = exp(-edge[i]);
}

double sim_zig_exp(struct sim_xoshiro *x)
{
    for (;;) {
        /* The layer from the low 8 bits, the point from the top 53. */
        uint64_t v = sim_xoshiro_next(x);
        unsigned i = (unsigned)(v & (SIM_ZIG_LAYERS - 1));
        uint64_t j = v >> 11;
        if (__builtin_expect(j < layer[i].k, 1))
            return (double)j * layer[i].w;
        if (i == 0) /* 1 - U lies in (0, 1]: its log is finite */
            return zig_r - log(1.0 - sim_xoshiro_double(x));
        double t = (double)j * layer[i].w;
        double y = height[i] + sim_xoshiro_double(x) * (height[i + 1] - height[i]);
        if (y < exp(-t))
            return t;
    }
}

double sim_zig_edge(int i)
{
    return edge[i];
}

double sim_zig_area(void)
{
    return zig_v;
}
