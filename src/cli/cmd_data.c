/* exaone data prepare|sample — the EXAONE-mini dataset from the fetched cache. */
#include "../core/log.h"
#include "../data/image_pack.h"
#include "../data/prepare.h"
#include "../formats/png.h"
#include "../image/grid.h"
#include "args.h"
#include "commands.h"
#include "mini_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: exaone data prepare [--cache DIR] [--out DIR] [--crops64 N] [--crops128 N] [--seed N]\n"
    "       exaone data sample PACK.bin OUT.png [--count N] [--seed N] [--columns N]\n\n"
    "prepare: reads the cache written by tools/fetch-data (default ~/.cache/exaone) and\n"
    "writes the packed EXAONE-mini dataset (default CACHE/dataset): emoji images\n"
    "(google + twitter styles, 64x64 RGB) with KO/EN names, keywords, skin tone and\n"
    "gender; out-of-style emoji for evaluation only; random 64x64 and 128x128 crops of\n"
    "the GIMP patterns with colour words; EN<->KO pairs from Korean .mo catalogs;\n"
    "captions in both languages; a bilingual corpus; manifest.tsv. The split is by item\n"
    "(90/5/5 train/val/test). Prints counts per source and split. See FORMAT.md in the\n"
    "output for the file layouts.\n\n"
    "sample: a grid PNG of N random images of an image pack (default 64).\n\n"
    "  --cache DIR     data cache (default $EXAONE_CACHE or ~/.cache/exaone)\n"
    "  --out DIR       output folder (default CACHE/dataset)\n"
    "  --crops64 N     64x64 crops per pattern (default 32)\n"
    "  --crops128 N    128x128 crops per pattern (default 16)\n"
    "  --seed N        random seed for crops / samples (default 1)\n";

static void print_counts(const DataCounts *c, const char *out_dir) {
    printf("%-12s %10s %10s %10s %10s %10s\n", "source", "split", "items", "images", "texts", "");
    for (int s = 0; s < DATA_N_SOURCES; s++) {
        long items = 0, images = 0, texts = 0;
        for (int p = 0; p < DATA_N_SPLITS; p++) {
            printf("%-12s %10s %10ld %10ld %10ld\n", data_source_name((DataSource)s), data_split_name((DataSplit)p),
                   c->items[s][p], c->images[s][p], c->texts[s][p]);
            items += c->items[s][p];
            images += c->images[s][p];
            texts += c->texts[s][p];
        }
        printf("%-12s %10s %10ld %10ld %10ld\n", data_source_name((DataSource)s), "all", items, images, texts);
    }
    for (int p = 0; p < DATA_N_SPLITS; p++)
        printf("corpus-%-5s %10ld lines %10.2f MB\n", data_split_name((DataSplit)p), c->corpus_lines[p],
               (double)c->corpus_bytes[p] / 1e6);
    printf("mo catalogs  %ld files, %ld translated entries: %ld dropped by the cleaner, %ld duplicates\n", c->mo_files,
           c->mo_entries, c->pairs_dropped, c->pairs_duplicate);
    printf("emoji        %ld names without any picture (text pairs only), %ld without a Korean name, %ld unreadable "
           "images\n",
           c->emoji_without_image, c->emoji_without_korean, c->images_unreadable);
    printf("written to   %s\n", out_dir);
}

static int run_prepare(int argc, char **argv) {
    Args args;
    const char *cache = NULL, *out = NULL;
    int64_t crops64 = 32, crops128 = 16, seed = 1;
    args_init(&args, argc, argv, "exaone data prepare");
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, NULL, "--cache", &cache)) continue;
        if (args_value(&args, "-o", "--out", &out)) continue;
        if (args_int(&args, NULL, "--crops64", 0, 100000, &crops64)) continue;
        if (args_int(&args, NULL, "--crops128", 0, 100000, &crops128)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    char cache_buf[1024], out_buf[1100];
    if (!cache) {
        mini_cli_cache_dir(cache_buf, sizeof cache_buf);
        cache = cache_buf;
    }
    if (!out) {
        snprintf(out_buf, sizeof out_buf, "%s/dataset", cache);
        out = out_buf;
    }
    DataPrepareOptions options = {cache, out, (int)crops64, (int)crops128, (uint64_t)seed};
    DataCounts counts;
    Error err = {0};
    if (data_prepare(&options, &counts, &err) != 0) {
        fprintf(stderr, "exaone data prepare: %s\n", err.message);
        return 1;
    }
    print_counts(&counts, out);
    return 0;
}

static int run_sample(int argc, char **argv) {
    Args args;
    const char *pack_path = NULL, *out_path = NULL;
    int64_t count = 64, seed = 1, columns = 0;
    args_init(&args, argc, argv, "exaone data sample");
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_int(&args, "-n", "--count", 1, 1024, &count)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--columns", 0, 1024, &columns)) continue;
        if (!pack_path && args_positional(&args, &pack_path)) continue;
        if (!out_path && args_positional(&args, &out_path)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!pack_path || !out_path) {
        fprintf(stderr, "exaone data sample: needs PACK.bin and OUT.png (see --help)\n");
        return 2;
    }
    Error err = {0};
    ImagePack pack;
    if (image_pack_open(&pack, pack_path, &err) != 0) {
        fprintf(stderr, "exaone data sample: %s\n", err.message);
        return 1;
    }
    if (pack.count == 0) {
        image_pack_close(&pack);
        fprintf(stderr, "exaone data sample: %s: no images\n", pack_path);
        return 1;
    }
    int n = (int)count;
    Image *cells[1024] = {0};
    uint64_t state = (uint64_t)seed * 0x9e3779b97f4a7c15ull + 1;
    int rc = 0;
    printf("row\n");
    for (int i = 0; i < n && rc == 0; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t row = (uint32_t)((state >> 33) % pack.count);
        cells[i] = image_new(pack.width, pack.height, pack.channels, &err);
        if (!cells[i]) rc = 1;
        else memcpy(cells[i]->pixels, image_pack_pixels(&pack, row), image_bytes(cells[i]));
        printf("%u\n", row);
    }
    Image *sheet = rc == 0 ? image_grid((const Image *const *)cells, n, (int)columns, 2, IMAGE_WHITE, &err) : NULL;
    char settings[128];
    snprintf(settings, sizeof settings, "count=%d seed=%lld", n, (long long)seed);
    PngTextEntry meta[] = {{"source", pack_path}, {"settings", settings}};
    if (!sheet || pngio_write_file(out_path, sheet, meta, 2, &err) != 0) {
        fprintf(stderr, "exaone data sample: %s\n", err.message);
        rc = 1;
    }
    image_free(sheet);
    for (int i = 0; i < n; i++) image_free(cells[i]);
    image_pack_close(&pack);
    return rc;
}

int cmd_data(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "prepare") == 0) return run_prepare(argc - 1, argv + 1);
    if (strcmp(argv[1], "sample") == 0) return run_sample(argc - 1, argv + 1);
    fprintf(stderr, "exaone data: unknown option or subcommand '%s' (see exaone data --help)\n", argv[1]);
    return 2;
}
