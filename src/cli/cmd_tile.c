/* exaone tile IMG --repeat NxM -o OUT — repeats a pattern to check that it
 * tiles without seams, and prints the seam metric (src/image/tile.h). */
#include "../formats/png.h"
#include "../image/tile.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>

static const char *usage =
    "usage: exaone tile [OPTIONS] IMG\n\n"
    "Writes IMG repeated NxM times (to look for seams) and prints, for IMG, the mean\n"
    "absolute pixel difference across its wrap edges and across interior neighbours:\n"
    "a seamless tile has wrap <= interior.\n\n"
    "options:\n"
    "  --repeat NxM      copies across x down (default 3x3)\n"
    "  -o, --output PNG  where to write (default tile.png)\n";

int cmd_tile(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone tile");
    const char *input = NULL, *output = "tile.png", *repeat = "3x3";
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-o", "--output", &output)) continue;
        if (args_value(&args, NULL, "--repeat", &repeat)) continue;
        if (!input && args_positional(&args, &input)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    int nx = 0, ny = 0;
    char tail;
    if (sscanf(repeat, "%dx%d%c", &nx, &ny, &tail) != 2 || nx < 1 || ny < 1 || nx > 64 || ny > 64) {
        fprintf(stderr, "exaone tile: --repeat wants NxM with 1..64 each, not '%s'\n", repeat);
        return 2;
    }
    if (!input) {
        fprintf(stderr, "exaone tile: missing IMG (see exaone tile --help)\n");
        return 2;
    }
    Error err = {0};
    Image *img = NULL, *big = NULL;
    int rc = 1;
    if (pngio_read_file(input, 3, &img, NULL, &err) != 0) goto fail;
    ImageSeam s;
    image_seam_measure(img, &s);
    printf("seam x: wrap %.3f interior %.3f\nseam y: wrap %.3f interior %.3f\n", s.wrap_x, s.interior_x, s.wrap_y,
           s.interior_y);
    big = image_repeat(img, nx, ny, &err);
    if (!big || pngio_write_file(output, big, NULL, 0, &err) != 0) goto fail;
    fprintf(stderr, "wrote %s (%dx%d)\n", output, big->width, big->height);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "exaone tile: %s\n", err.message);
done:
    image_free(img);
    image_free(big);
    return rc;
}
