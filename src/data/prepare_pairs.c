/* prepare_pairs.c — EN<->KO pairs from the Korean .mo catalogs in the cache
 * (cache/mo/PACKAGE/NAME.mo), cleaned (text_clean.h), deduplicated on the
 * English side, split by the English text. */
#include "prepare_internal.h"

#include "../core/log.h"
#include "../formats/mo.h"
#include "text_clean.h"

#include <string.h>

static int add_catalog(PrepareRun *run, const char *package, const MoCatalog *cat, Error *err) {
    char en[1024], ko[1024], key[1100], item[40], texts[4];
    for (size_t i = 0; i < cat->count; i++) {
        run->counts->mo_entries++;
        if (!text_clean_pair(cat->entries[i].msgid, cat->entries[i].msgstr, en, ko, sizeof en)) {
            run->counts->pairs_dropped++;
            continue;
        }
        int fresh = hash_set_insert(&run->seen_en, data_hash(en));
        if (fresh < 0) return error_set(err, "out of memory deduplicating pairs");
        if (!fresh) {
            run->counts->pairs_duplicate++;
            continue;
        }
        snprintf(key, sizeof key, "pair:%s", en);
        DataSplit split = data_split_of(key);
        prepare_row(&run->pairs, data_split_name(split), package, en, ko, NULL);
        prepare_corpus_line(run, split, en);
        prepare_corpus_line(run, split, ko);
        snprintf(item, sizeof item, "pair:%016llx", (unsigned long long)data_hash(en));
        snprintf(texts, sizeof texts, "2");
        prepare_row(&run->manifest, item, package, data_split_name(split), "0", texts, NULL);
        run->counts->items[SOURCE_PAIRS][split]++;
        run->counts->texts[SOURCE_PAIRS][split]++;
    }
    return 0;
}

int prepare_pairs(PrepareRun *run, Error *err) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/mo", run->options->cache_dir);
    if (!dir_exists(dir)) {
        log_warn("%s: missing; no translation pairs (run tools/fetch-data)", dir);
        return 0;
    }
    char **packages = NULL;
    int n_packages = 0;
    if (prepare_list_dir(dir, "", &packages, &n_packages, err) != 0) return -1;
    int rc = 0;
    for (int p = 0; p < n_packages && rc == 0; p++) {
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, packages[p]);
        if (!dir_exists(sub)) continue;
        char **files = NULL;
        int n_files = 0;
        rc = prepare_list_dir(sub, ".mo", &files, &n_files, err);
        for (int f = 0; f < n_files && rc == 0; f++) {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", sub, files[f]);
            MoCatalog cat;
            Error mo_err = {0};
            if (mo_read_file(path, &cat, &mo_err) != 0) {
                /* One broken catalog should not sink the dataset. */
                log_warn("%s", mo_err.message);
                continue;
            }
            run->counts->mo_files++;
            rc = add_catalog(run, packages[p], &cat, err);
            mo_free(&cat);
        }
        prepare_list_free(files, n_files);
    }
    prepare_list_free(packages, n_packages);
    return rc;
}
