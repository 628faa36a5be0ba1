/* Parameter table (see params.h). */
#include "params.h"

#include "../core/mem.h"

#include <stdio.h>
#include <string.h>

int params_add(ParamTable *table, const char *name, int64_t rows, int64_t cols, int decay, Error *err) {
    if (table->count == table->capacity) {
        int cap = table->capacity ? table->capacity * 2 : 64;
        ParamEntry *grown = mem_realloc(table->entries, (size_t)cap * sizeof *grown);
        if (!grown) return error_set(err, "parameter table: out of memory adding %s", name);
        table->entries = grown;
        table->capacity = cap;
    }
    ParamEntry *e = &table->entries[table->count];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->rows = cols ? rows : 1;
    e->cols = cols ? cols : rows;
    size_t numel;
    if (rows <= 0 || (cols < 0) || size_mul((size_t)e->rows, (size_t)e->cols, &numel) != 0 ||
        size_add(table->total, numel, &e->offset) != 0)
        return error_set(err, "parameter table: bad size for %s (%lld x %lld)", name, (long long)rows,
                         (long long)cols);
    e->offset = table->total;
    e->numel = numel;
    e->decay = decay;
    table->total += numel;
    return table->count++;
}

int params_find(const ParamTable *table, const char *name) {
    for (int i = 0; i < table->count; i++)
        if (strcmp(table->entries[i].name, name) == 0) return i;
    return -1;
}

void params_free(ParamTable *table) {
    mem_free(table->entries);
    memset(table, 0, sizeof *table);
}
