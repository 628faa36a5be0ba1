/* texture_names.h — English and Korean names of the GIMP patterns.
 *
 * GIMP's own pattern names ("Wood of some sort", "Qbert", "One Small
 * Step...") are jokes or file labels, not descriptions a prompt would use,
 * so the 58 patterns of gimp-data get a short descriptive name in both
 * languages here. Unknown patterns (a newer gimp-data) fall back to their
 * stored name and a Korean name from their category.
 */
#ifndef EXAONE_DATA_TEXTURE_NAMES_H
#define EXAONE_DATA_TEXTURE_NAMES_H

typedef struct {
    const char *en; /* "tree bark" */
    const char *ko; /* "나무껍질" */
} TextureName;

/* category: the pattern's folder ("Wood"); stem: its file name without .pat.
 * fallback_en: the name stored in the file. Never returns NULL fields. */
TextureName texture_name_lookup(const char *category, const char *stem, const char *fallback_en);
/* The category's names ("wood", "나무"); "pattern"/"무늬" when unknown. */
TextureName texture_category_name(const char *category);

#endif
