/* SPDX-License-Identifier: MIT */
/* tests/ci95.h: the mean of replications and its 95% confidence half-width
 * (Student's t), shared by the validation tests. */
#ifndef TESTS_CI95_H
#define TESTS_CI95_H

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

static inline void ci95(const double *x, int n, double *mean, double *half)
{
    *mean = gsl_stats_mean(x, 1, (size_t)n);
    double sd = gsl_stats_sd_m(x, 1, (size_t)n, *mean);
    *half = gsl_cdf_tdist_Pinv(0.975, n - 1) * sd / sqrt(n);
}

#endif
