// Per-thread scratch memory for the kernels (ek_thread_scratch in ckernels.h).
#include "ckernels.h"
#include <pthread.h>
#include <stdlib.h>

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void make_key(void) { pthread_key_create(&scratch_key, free); }

float *ek_thread_scratch(void) {
    pthread_once(&scratch_once, make_key);
    float *buffer = pthread_getspecific(scratch_key);
    if (!buffer) {
        buffer = aligned_alloc(64, EK_SCRATCH_BYTES);
        if (buffer && pthread_setspecific(scratch_key, buffer) != 0) {
            free(buffer);
            return NULL;
        }
    }
    return buffer;
}
