#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void args_init(Args *args, int argc, char **argv, const char *command) {
    memset(args, 0, sizeof *args);
    args->argc = argc;
    args->argv = argv;
    args->index = 0;
    args->command = command;
}

int args_next(Args *args) {
    if (args->failed) return 0;
    args->index++;
    if (args->index >= args->argc) return 0;
    args->current = args->argv[args->index];
    if (!args->only_positional && strcmp(args->current, "--") == 0) {
        args->only_positional = 1;
        return args_next(args);
    }
    return 1;
}

static int is_option(const Args *args) {
    return !args->only_positional && args->current[0] == '-' && args->current[1] != 0;
}

int args_flag(Args *args, const char *short_name, const char *long_name) {
    if (!is_option(args)) return 0;
    return (short_name && strcmp(args->current, short_name) == 0) ||
           (long_name && strcmp(args->current, long_name) == 0);
}

int args_help(Args *args) { return args_flag(args, "-h", "--help"); }

int args_value(Args *args, const char *short_name, const char *long_name, const char **out) {
    if (!is_option(args)) return 0;
    const char *arg = args->current;
    if (long_name) {
        size_t n = strlen(long_name);
        if (strncmp(arg, long_name, n) == 0 && arg[n] == '=') {
            *out = arg + n + 1;
            return 1;
        }
    }
    int matched = (short_name && strcmp(arg, short_name) == 0) || (long_name && strcmp(arg, long_name) == 0);
    if (!matched) return 0;
    if (args->index + 1 >= args->argc) {
        fprintf(stderr, "%s: option %s needs a value (see %s --help)\n", args->command, arg, args->command);
        args->failed = 1;
        return 1;
    }
    args->index++;
    *out = args->argv[args->index];
    return 1;
}

int args_int(Args *args, const char *short_name, const char *long_name, int64_t min, int64_t max,
             int64_t *out) {
    const char *text = NULL;
    const char *name = args->current;
    if (!args_value(args, short_name, long_name, &text)) return 0;
    if (args->failed) return 1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf(stderr, "%s: %s expects a whole number from %lld to %lld, got '%s'\n", args->command, name,
                (long long)min, (long long)max, text);
        args->failed = 1;
        return 1;
    }
    *out = v;
    return 1;
}

int args_float(Args *args, const char *short_name, const char *long_name, double min, double max,
               double *out) {
    const char *text = NULL;
    const char *name = args->current;
    if (!args_value(args, short_name, long_name, &text)) return 0;
    if (args->failed) return 1;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < min || v > max) {
        fprintf(stderr, "%s: %s expects a number from %g to %g, got '%s'\n", args->command, name, min, max, text);
        args->failed = 1;
        return 1;
    }
    *out = v;
    return 1;
}

int args_positional(Args *args, const char **out) {
    if (is_option(args)) return 0;
    *out = args->current;
    return 1;
}

int args_unknown(Args *args) {
    fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", args->command, args->current, args->command);
    args->failed = 1;
    return 2;
}
