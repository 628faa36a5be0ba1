/* args.h — the command-line parser every subcommand uses.
 *
 * A loop over argv that asks "is this my flag?" in order; whatever nobody
 * claims is an error (exit code 2). "--" ends options, so a TEXT argument
 * may start with '-'. Values may be given as "-m X", "--model X" or
 * "--model=X".
 *
 *     Args args;
 *     args_init(&args, argc, argv);
 *     while (args_next(&args)) {
 *         if (args_value(&args, "-m", "--model", &model)) continue;
 *         if (args_flag(&args, NULL, "--ids")) { ids = 1; continue; }
 *         if (args_positional(&args, &text)) continue;
 *         return args_unknown(&args);
 *     }
 *     if (args.failed) return 2;
 */
#ifndef EXAONE_ARGS_H
#define EXAONE_ARGS_H

#include <stdint.h>

typedef struct {
    int argc;
    char **argv;
    int index;         /* argv index of the current argument */
    const char *current;
    int only_positional; /* after "--" */
    int failed;        /* a value was missing or malformed (message printed) */
    const char *command; /* for messages: "exaone tokenize" */
} Args;

/* argv[0] is the subcommand name; parsing starts at argv[1]. */
void args_init(Args *args, int argc, char **argv, const char *command);
/* Moves to the next argument; 0 when there is none (or after a failure). */
int args_next(Args *args);
int args_flag(Args *args, const char *short_name, const char *long_name);
int args_value(Args *args, const char *short_name, const char *long_name, const char **out);
int args_int(Args *args, const char *short_name, const char *long_name, int64_t min, int64_t max,
             int64_t *out);
int args_float(Args *args, const char *short_name, const char *long_name, double min, double max,
               double *out);
int args_positional(Args *args, const char **out);
/* Prints "exaone CMD: unknown option X (see exaone CMD --help)"; returns 2. */
int args_unknown(Args *args);
/* True when the current argument is -h or --help. */
int args_help(Args *args);

#endif
