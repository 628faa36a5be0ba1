/* exaone info [PATH] — with no PATH, what this machine and build can do. */
#include "../core/cpu.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>

static const char *usage =
    "usage: exaone info [PATH]\n\n"
    "With PATH, describe a model file or folder (architecture, parameters, dtypes,\n"
    "context, tokenizer). With no PATH, describe this machine: cores and the\n"
    "kernel paths chosen at run time (EXAONE_PORTABLE=1 forces portable C).\n";

static int print_machine(void) {
    const CpuFeatures *f = cpu_features();
    printf("exaone %s\n", EXAONE_VERSION);
    printf("cores            %d\n", cpu_count());
    printf("kernels          %s\n", cpu_describe());
    printf("avx512           %s\n", f->avx512 ? "yes" : "no");
    printf("avx512_bf16      %s\n", f->avx512_bf16 ? "yes" : "no");
    printf("avx512_vnni      %s\n", f->avx512_vnni ? "yes" : "no");
    return 0;
}

int cmd_info(int argc, char **argv) {
    Args args;
    const char *path = NULL;
    args_init(&args, argc, argv, "exaone info");
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (!path && args_positional(&args, &path)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!path) return print_machine();
    fprintf(stderr, "exaone info: %s: no model loader recognises this file yet\n", path);
    return 1;
}
