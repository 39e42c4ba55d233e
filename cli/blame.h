/* SPDX-License-Identifier: MIT */
/* cli/blame.h: `uksim blame`, the trace's blame held against the
 * counterfactual on a user's model (cli/blame.c). Returns an exit status. */
#ifndef CLI_BLAME_H
#define CLI_BLAME_H

int cli_blame(int argc, char **argv);

#endif
