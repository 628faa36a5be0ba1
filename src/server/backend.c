/* What every backend shares (see backend.h). */
#include "backend.h"

#include "../core/mem.h"

int backend_detect_lang(const char *text) {
    const unsigned char *p = (const unsigned char *)text;
    /* U+AC00..U+D7A3 (Hangul syllables) are EA B0 80 .. ED 9E A3 in UTF-8 */
    for (; *p; p++)
        if (*p >= 0xEA && *p <= 0xED && p[1] >= 0x80) return BACKEND_LANG_KO;
    return BACKEND_LANG_EN;
}

void backend_word_maps_free(BackendWordMap *maps, int n) {
    for (int i = 0; maps && i < n; i++) {
        mem_free(maps[i].word);
        mem_free(maps[i].png);
    }
    mem_free(maps);
}
