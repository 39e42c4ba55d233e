/* SPDX-License-Identifier: MIT */
/* cli/policy_cmd.h: `uksim policy replay` and `uksim export hpa`.
 * Each returns an exit status (0 done, 1 failed writing, 2 bad input). */
#ifndef CLI_POLICY_CMD_H
#define CLI_POLICY_CMD_H

int cli_policy(int argc, char **argv);
int cli_export(int argc, char **argv);

#endif
