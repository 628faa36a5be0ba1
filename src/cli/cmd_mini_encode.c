/* exaone mini-encode — turn the image paths of a raw EXAONE-mini corpus into
 * VQ codes (one pass, cached as the corpus file mini-train reads). */
#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/mini_image.h"
#include "../models/vq.h"
#include "../train/mini_scenes.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone mini-encode --vq VQ.safetensors -o OUT.tsv RAW.tsv\n\n"
    "Copies the corpus RAW.tsv (format in src/train/mini_data.h) to OUT.tsv, replacing the\n"
    "PNG path of every image record \"I<tab>ITEM<tab>PATH\" by its VQ codes (the image is\n"
    "resized to the codes grid x the VQ factor). Images that fail to read are skipped\n"
    "with a warning. OUT is written atomically.\n\n"
    "--scenes N appends N scene items (src/train/mini_scenes.h): one or two shrunk\n"
    "objects of RAW's items placed on a white picture, captioned with their names\n"
    "(\"A and B\" / \"A와 B\" in both orders), so the model learns where a name is.\n\n"
    "options:\n"
    "  --vq PATH         VQ checkpoint (exaone vq train)\n"
    "  -o, --output PATH corpus to write\n"
    "  --grid N          codes per side (default 8)\n"
    "  --threads N       (default 1)\n"
    "  --scenes N        scene items to append (default 0)\n"
    "  --seed S          which scenes (default 1)\n";

static int count_lines(const char *s, size_t n) {
    int k = 0;
    for (size_t i = 0; i < n; i++) k += s[i] == '\n';
    return k;
}

int cmd_mini_encode(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone mini-encode");
    const char *vq_path = NULL, *output = NULL, *input = NULL;
    int64_t grid = 8, threads = 1, scenes = 0, seed = 1;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, NULL, "--vq", &vq_path)) continue;
        if (args_value(&args, "-o", "--output", &output)) continue;
        if (args_int(&args, NULL, "--grid", 1, 64, &grid)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (args_int(&args, NULL, "--scenes", 0, 10000000, &scenes)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (!input && args_positional(&args, &input)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!vq_path || !output || !input) {
        fprintf(stderr, "exaone mini-encode: --vq, -o and RAW.tsv are required (see --help)\n");
        return 2;
    }
    Error err = {0};
    char *text = NULL;
    size_t len = 0;
    VqModel *vq = NULL;
    ThreadPool *pool = threads > 1 ? pool_new((int)threads) : NULL;
    AtomicFile out;
    int opened = 0, rc = 1, G = (int)(grid * grid), skipped = 0, encoded = 0;
    int codes[64 * 64];
    if (file_read_all(input, (size_t)2 << 30, &text, &len, &err) != 0 || vq_load(&vq, vq_path, pool, NULL, &err) != 0 ||
        atomic_open(&out, output, &err) != 0)
        goto fail;
    opened = 1;
    Progress bar;
    progress_begin(&bar, "encode", count_lines(text, len), "lines");
    char *s = text, *end = text + len;
    int line = 0;
    while (s < end) {
        char *e = memchr(s, '\n', (size_t)(end - s));
        if (!e) e = end;
        *e = 0;
        line++;
        if (s[0] == 'I' && s[1] == '\t') {
            char *path = strchr(s + 2, '\t');
            if (!path) {
                error_set(&err, "%s:%d: image record without a path", input, line);
                goto fail;
            }
            *path++ = 0;
            if (mini_image_encode_vq(vq, path, codes, (int)grid, (int)grid, &err) != 0) {
                log_warn("%s:%d: skipped: %s", input, line, err.message);
                skipped++;
            } else {
                char buf[64 * 64 * 6 + 64];
                int n = snprintf(buf, sizeof buf, "I\t%s\t", s + 2);
                for (int g = 0; g < G; g++) n += snprintf(buf + n, sizeof buf - (size_t)n, g ? " %d" : "%d", codes[g]);
                buf[n++] = '\n';
                if (atomic_write(&out, buf, (size_t)n, &err) != 0) goto fail;
                encoded++;
            }
        } else if (atomic_write(&out, s, (size_t)(e - s), &err) != 0 || atomic_write(&out, "\n", 1, &err) != 0) {
            goto fail;
        }
        if (line % 256 == 0) progress_update(&bar, line, "%d images", encoded);
        s = e + 1;
    }
    progress_done(&bar);
    int written = 0;
    if (scenes > 0) {
        /* the records above were cut at their tabs and newlines: scenes read a fresh copy */
        mem_free(text);
        text = NULL;
        if (file_read_all(input, (size_t)2 << 30, &text, &len, &err) != 0 ||
            mini_scenes_write(text, len, vq, (int)grid, (int)scenes, (uint64_t)seed, &out, &written, &err) != 0)
            goto fail;
    }
    if (atomic_commit(&out, &err) != 0) {
        opened = 0;
        goto fail;
    }
    opened = 0;
    log_info("mini-encode: %d images encoded, %d skipped, %d scenes -> %s", encoded, skipped, written, output);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "exaone mini-encode: %s\n", err.message);
done:
    if (opened) atomic_abort(&out);
    vq_free(vq);
    mem_free(text);
    if (pool) pool_free(pool);
    return rc;
}
