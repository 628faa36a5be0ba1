/* explain_cli.h — what `draw --explain` and `caption --explain` share: the
 * flags, the gradient model and writing the sheet next to a picture. */
#ifndef EXAONE_EXPLAIN_CLI_H
#define EXAONE_EXPLAIN_CLI_H

#include "../models/mini_explain.h"
#include "args.h"

#define EXPLAIN_CLI_USAGE                                                                               \
    "  --explain         also write a sheet of word <-> image-region heat maps (PNG) next to the\n"   \
    "                    output and print its legend (word numbers) on stderr\n"                      \
    "  --explain-method attn|grad|occlusion|shapley  attention averaged over heads and layers\n"     \
    "                    (default), gradient x input through the training engine's backward,\n"      \
    "                    occlusion: the drop of log p when a 2x2 block of codes is blanked\n"        \
    "                    (caption) or a word is left out (drawing), or shapley: each block's\n"      \
    "                    (word's) mean gain in log p when put back, over 8 random orders\n"          \
    "  --explain-method partition  shapley with each quarter's blocks kept together in the\n"     \
    "                    orders (Owen values): regions compete first, then blocks within them\n"      \
    "  --rollout         with attn: attention rollout through the layers instead of the average\n"

typedef struct {
    int on, rollout;
    const char *method; /* "attn" / "grad" / "occlusion" / "shapley" / "partition" */
} ExplainFlags;

/* Claims the flags above; 1 when the current argument was one of them. */
int explain_cli_flag(Args *args, ExplainFlags *f);
/* MINI_EXPLAIN_* of the flags, or -1 (message printed) when they do not fit. */
int explain_cli_method(const char *command, const ExplainFlags *f);

/* Explains text (a prompt when draw, else a caption in lang) against codes
 * and the picture at png_path, writes the sheet to out_path and prints
 * "wrote PATH" and the legend on stderr. Returns 0, or 1 (message printed). */
int explain_cli_write(const char *command, MiniModel *m, const char *model_dir, int method, int threads, int draw,
                      const char *text, int lang, const int *codes, const char *png_path, const char *out_path);

#endif
