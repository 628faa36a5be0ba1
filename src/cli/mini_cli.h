/* mini_cli.h — what the EXAONE-mini commands (draw, caption, translate, score,
 * demo) share: finding and loading the model, reading codes and languages. */
#ifndef EXAONE_MINI_CLI_H
#define EXAONE_MINI_CLI_H

#include "../models/mini.h"
#include "lora_flags.h"

/* path NULL: models/exaone-mini under the current directory, else next to the
 * executable. Prints the error (prefixed by command) and returns NULL on failure. */
/* The embedded model: ./models/exaone-mini, else models/exaone-mini next to the
 * executable. Returns -1 when neither can be named. */
int mini_cli_default_path(char *out, size_t cap);
/* lora (NULL: none): the --lora DIR[:SCALE] adapters, merged into the loaded weights in order. */
MiniModel *mini_cli_open(const char *command, const char *path, int threads, char *resolved, size_t cap,
                         const LoraFlags *lora);
/* Text given to the model must be UTF-8: bad bytes would otherwise reach it as
 * U+FFFD without a word. Prints "COMMAND: WHAT is not valid UTF-8 (byte
 * offset N)" and returns -1 when text is not. */
int mini_cli_text_ok(const char *command, const char *what, const char *text);
/* "ko" / "en" -> MINI_LANG_*; -2 when neither. */
int mini_cli_lang(const char *s);

/* The data cache: $EXAONE_CACHE, else ~/.cache/exaone (tools/fetch-data,
 * exaone data prepare; the prepared dataset is its dataset/ folder). */
void mini_cli_cache_dir(char *out, size_t cap);

/* out.png -> out-SUFFIX.png (a name not ending in .png gets -SUFFIX.png appended). */
void mini_cli_suffixed(char *buf, size_t cap, const char *path, const char *suffix);

/* The codes of an image given as a PNG (through the model folder's VQ) or as
 * text (--codes); prints the error and returns -1 on failure. */
int mini_cli_image_codes(const char *command, const MiniModel *m, const char *model_dir, const char *png,
                         const char *codes_text, int *codes);

#endif
