/* SPDX-License-Identifier: MIT */
/* cli/testbed_cmd.h: `uksim testbed run|calibrate` (cli/testbed_cmd.c) and
 * `uksim compare` (cli/compare.c). Each returns an exit status. */
#ifndef CLI_TESTBED_CMD_H
#define CLI_TESTBED_CMD_H

int cli_testbed(int argc, char **argv);
int cli_compare(int argc, char **argv);

#endif
