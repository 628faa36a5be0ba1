/* prepare_textures.c — random crops of the GIMP patterns, named by their
 * measured colours and the pattern's name. The patterns tile seamlessly, so
 * crops wrap around and may be larger than the pattern itself. */
#include "prepare_internal.h"

#include "../core/log.h"
#include "../formats/gimp_pat.h"
#include "colour_names.h"
#include "image_pack.h"
#include "texture_names.h"

#include <string.h>

typedef struct {
    int side;
    DataSource source;
    ImagePackWriter pack;
    AtomicFile index;
} CropSet;

/* splitmix64: a seedable, platform-independent generator for crop origins. */
static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int add_crops(PrepareRun *run, CropSet *set, int n_crops, const Image *rgb, const char *item, DataSplit split,
                     const char *category, TextureName name, uint64_t *rng, Error *err) {
    TextureName cat = texture_category_name(category);
    for (int k = 0; k < n_crops; k++) {
        int x = (int)(next_random(rng) % (uint64_t)rgb->width), y = (int)(next_random(rng) % (uint64_t)rgb->height);
        Image *crop = image_crop(rgb, x, y, set->side, set->side, 1, err);
        if (!crop) return -1;
        ColourSummary colours;
        colour_summarize(crop, &colours);
        char row[16], image_ref[48], xs[16], ys[16], share1[16], share2[16];
        snprintf(row, sizeof row, "%u", set->pack.count);
        snprintf(image_ref, sizeof image_ref, "texture%d:%u", set->side, set->pack.count);
        snprintf(xs, sizeof xs, "%d", x);
        snprintf(ys, sizeof ys, "%d", y);
        snprintf(share1, sizeof share1, "%.2f", colours.fraction[0]);
        snprintf(share2, sizeof share2, "%.2f", colours.n_top > 1 ? colours.fraction[1] : 0.0);
        int rc = image_pack_append(&set->pack, crop, err);
        image_free(crop);
        if (rc != 0) return -1;
        prepare_row(&set->index, row, item, data_split_name(split), category, name.en, name.ko, xs, ys,
                    colour_en(colours.top[0]), share1, colours.n_top > 1 ? colour_en(colours.top[1]) : "", share2, NULL);
        CaptionList captions;
        captions_for_texture(name, cat, &colours, &captions);
        prepare_captions(run, set->source, split, item, image_ref, &captions);
        run->counts->images[set->source][split]++;
    }
    if (n_crops > 0) run->counts->items[set->source][split]++;
    return 0;
}

static int do_pattern(PrepareRun *run, CropSet sets[2], const char *dir, const char *category, const char *file,
                      Error *err) {
    char path[2048], item[600], stem[256];
    snprintf(path, sizeof path, "%s/%s/%s", dir, category, file);
    snprintf(stem, sizeof stem, "%.*s", (int)(strlen(file) - 4), file);
    GimpPattern pat;
    if (gimp_pat_read_file(path, &pat, err) != 0) return -1;
    Image *rgb = image_convert(pat.image, 3, IMAGE_WHITE, err);
    if (!rgb) {
        gimp_pat_free(&pat);
        return error_prefix(err, "%s", path);
    }
    snprintf(item, sizeof item, "texture:%s/%s", category, stem);
    DataSplit split = data_split_of(item);
    TextureName name = texture_name_lookup(category, stem, pat.name);
    uint64_t rng = data_hash(item) ^ run->options->seed;
    int rc = add_crops(run, &sets[0], run->options->crops64, rgb, item, split, category, name, &rng, err);
    if (rc == 0) rc = add_crops(run, &sets[1], run->options->crops128, rgb, item, split, category, name, &rng, err);
    if (rc == 0) {
        char images[16], texts[16];
        snprintf(images, sizeof images, "%d", run->options->crops64 + run->options->crops128);
        snprintf(texts, sizeof texts, "-");
        prepare_row(&run->manifest, item, "texture", data_split_name(split), images, texts, NULL);
    }
    image_free(rgb);
    gimp_pat_free(&pat);
    return rc;
}

static int open_crop_set(CropSet *set, const char *out_dir, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/texture%d.bin", out_dir, set->side);
    if (image_pack_create(&set->pack, path, set->side, set->side, 3, err) != 0) return -1;
    snprintf(path, sizeof path, "%s/texture%d.tsv", out_dir, set->side);
    if (atomic_open(&set->index, path, err) != 0) {
        image_pack_abort(&set->pack);
        return -1;
    }
    fputs("row\titem\tsplit\tcategory\tname_en\tname_ko\tx\ty\tcolour1\tshare1\tcolour2\tshare2\n", set->index.fp);
    return 0;
}

int prepare_textures(PrepareRun *run, Error *err) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/patterns", run->options->cache_dir);
    char **categories = NULL;
    int n_categories = 0;
    if (prepare_list_dir(dir, "", &categories, &n_categories, err) != 0) return -1;
    CropSet sets[2] = {{.side = 64, .source = SOURCE_TEXTURE64}, {.side = 128, .source = SOURCE_TEXTURE128}};
    int rc = open_crop_set(&sets[0], run->options->out_dir, err);
    if (rc == 0 && (rc = open_crop_set(&sets[1], run->options->out_dir, err)) != 0) {
        image_pack_abort(&sets[0].pack);
        atomic_abort(&sets[0].index);
    }
    for (int c = 0; c < n_categories && rc == 0; c++) {
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, categories[c]);
        if (!dir_exists(sub)) continue;
        char **files = NULL;
        int n_files = 0;
        rc = prepare_list_dir(sub, ".pat", &files, &n_files, err);
        for (int f = 0; f < n_files && rc == 0; f++) rc = do_pattern(run, sets, dir, categories[c], files[f], err);
        prepare_list_free(files, n_files);
    }
    prepare_list_free(categories, n_categories);
    if (rc != 0) {
        for (int s = 0; s < 2; s++) {
            image_pack_abort(&sets[s].pack);
            atomic_abort(&sets[s].index);
        }
        return -1;
    }
    for (int s = 0; s < 2 && rc == 0; s++) {
        rc = image_pack_commit(&sets[s].pack, err);
        if (rc == 0) rc = atomic_commit(&sets[s].index, err);
    }
    return rc;
}
