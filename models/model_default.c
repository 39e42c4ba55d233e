/* SPDX-License-Identifier: MIT */
/* models/model_default.c: the model `uksim run` runs without a file: a
 * three-tier chain (frontend -> catalog -> db) under Poisson load at about 60%
 * utilization of its busiest tier. */
#include "models/model.h"

const char mdl_builtin_default[] =
    "run:      { seed = 1; duration = \"120s\"; warmup = \"10s\"; window = \"1s\"; };\n"
    "network:  { latency = \"const(100us)\"; };\n"
    "services = (\n"
    "  { name = \"frontend\"; instances = 2;\n"
    "    handler = ( { compute = \"exp(2ms)\"; }, { call = \"catalog\"; },\n"
    "                { compute = \"exp(500us)\"; } ); },\n"
    "  { name = \"catalog\"; instances = 2; lb = \"least-outstanding\";\n"
    "    handler = ( { compute = \"lognormal(3ms, 1.5)\"; }, { call = \"db\"; } ); },\n"
    "  { name = \"db\"; handler = ( { compute = \"exp(1ms)\"; } ); }\n"
    ");\n"
    "workload: { entry = \"frontend\"; arrivals = \"poisson\"; rate = \"const(400)\"; };\n";
