/* SPDX-License-Identifier: MIT */
/* cli/model_doc.h: the model-file reference (doc/model.md), compiled in. */
#ifndef CLI_MODEL_DOC_H
#define CLI_MODEL_DOC_H

extern const char cli_model_doc[];

#endif
