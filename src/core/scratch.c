#include "scratch.h"

#include "mem.h"

#include <pthread.h>

typedef struct {
    void *data[SCRATCH_SLOTS];
    size_t size[SCRATCH_SLOTS];
} Scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_destroy(void *ptr) {
    Scratch *s = ptr;
    if (!s) return;
    for (int i = 0; i < SCRATCH_SLOTS; i++) mem_free_aligned(s->data[i]);
    mem_free(s);
}

/* A key with a destructor (rather than _Thread_local) so pool workers free
 * their buffers when they are joined. */
static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_destroy); }

void *scratch_get(int slot, size_t size) {
    pthread_once(&scratch_once, scratch_init);
    Scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = mem_calloc(1, sizeof *s);
        if (!s) return NULL;
        if (pthread_setspecific(scratch_key, s) != 0) {
            mem_free(s);
            return NULL;
        }
    }
    if (s->size[slot] < size) {
        size_t grown = size + size / 4; /* a little headroom: shapes creep up during prefill */
        if (grown < size) grown = size;
        void *data = mem_alloc_aligned(grown);
        if (!data) return NULL;
        mem_free_aligned(s->data[slot]);
        s->data[slot] = data;
        s->size[slot] = grown;
    }
    return s->data[slot];
}

void scratch_release(void) {
    pthread_once(&scratch_once, scratch_init);
    Scratch *s = pthread_getspecific(scratch_key);
    scratch_destroy(s);
    pthread_setspecific(scratch_key, NULL);
}
