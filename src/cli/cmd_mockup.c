/* exaone mockup PATTERN -o OUT --garment G — a pattern shown on a garment
 * silhouette with folds and shading (src/image/mockup.h). */
#include "../formats/png.h"
#include "../image/mockup.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>

static const char *usage =
    "usage: exaone mockup [OPTIONS] PATTERN\n\n"
    "Shows the PNG PATTERN as cloth: repeated over a garment silhouette drawn by our own\n"
    "code, with folds, edge shading and a soft shadow.\n\n"
    "options:\n"
    "  --garment G       tshirt, dress, hoodie or scarf (default tshirt)\n"
    "  --size N          output side in pixels (default 768, 64..4096)\n"
    "  --scale X         one pattern repeat as a fraction of the width (default 0.25)\n"
    "  -o, --output PNG  where to write (default mockup.png)\n";

int cmd_mockup(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone mockup");
    const char *input = NULL, *output = "mockup.png", *garment = "tshirt";
    int64_t size = 768;
    double scale = 0.25;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-o", "--output", &output)) continue;
        if (args_value(&args, NULL, "--garment", &garment)) continue;
        if (args_int(&args, NULL, "--size", 64, 4096, &size)) continue;
        if (args_float(&args, NULL, "--scale", 0.02, 1, &scale)) continue;
        if (!input && args_positional(&args, &input)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    int g = mockup_garment_parse(garment);
    if (g < 0) {
        fprintf(stderr, "exaone mockup: --garment must be tshirt, dress, hoodie or scarf, not '%s'\n", garment);
        return 2;
    }
    if (!input) {
        fprintf(stderr, "exaone mockup: missing PATTERN (see exaone mockup --help)\n");
        return 2;
    }
    Error err = {0};
    Image *pat = NULL, *out = NULL;
    int rc = 1;
    PngTextEntry meta[] = {{"garment", garment}, {"pattern", input}};
    if (pngio_read_file(input, 3, &pat, NULL, &err) != 0 ||
        !(out = mockup_render(pat, (MockupGarment)g, (int)size, scale, &err)) ||
        pngio_write_file(output, out, meta, 2, &err) != 0) {
        fprintf(stderr, "exaone mockup: %s\n", err.message);
    } else {
        fprintf(stderr, "wrote %s\n", output);
        rc = 0;
    }
    image_free(pat);
    image_free(out);
    return rc;
}
