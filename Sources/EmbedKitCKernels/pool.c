// The process-wide worker threads behind ThreadPool.parallelFor (ek_pool_run in ckernels.h).
//
// A job is published by bumping `generation`; workers that are spinning see it within a few hundred
// nanoseconds, workers that went to sleep (after spinning ~EK_POOL_SPINS rounds with nothing to do) are
// woken by a broadcast. Items are handed out by an atomic counter; the caller works too and returns once
// every participating worker has finished. One job at a time: a caller that finds the pool busy (another
// thread's job, or a call from inside a job) gets -1 and runs its loop some other way. So does a loop
// asking for more threads than the process may run at once (its CPU affinity, and on Linux its cgroup's
// CPU quota): spinning workers without a core of their own would only slow the others down.
#define _GNU_SOURCE 1   // sched_getaffinity, CPU_COUNT
#include "ckernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define EK_POOL_MAX 256
#define EK_POOL_SPINS 40000

#if defined(__x86_64__)
#define ek_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define ek_relax() __asm__ __volatile__("yield")
#else
#define ek_relax() ((void)0)
#endif

static struct {
    pthread_mutex_t lock;          // guards sleeping and waking (and thread creation)
    pthread_cond_t wake;
    int workers;                   // threads started
    long generation;               // bumped per job (atomic)
    int sleepers;                  // workers blocked on `wake` (atomic)
    int busy;                      // a job is in flight (atomic flag)
    // The job (written before `generation` is bumped, read after it is seen, and only by its participants:
    // the next job cannot start before they have finished, so they never see a half-written one):
    long assigned[EK_POOL_MAX];    // worker w takes part in the job whose generation is assigned[w]
    long origin[EK_POOL_MAX];      // the generation when worker w was started (it waits for a later one)
    long count;
    long next;                     // next item (atomic)
    int remaining;                 // participants not finished yet (atomic)
    void (*body)(void *, long);
    void *context;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

// How many threads this process can run at once: online CPUs, narrowed by the affinity mask and by a
// cgroup v2 quota (cpu.max "quota period") where there is one. At least 1.
static int cpu_budget(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 && CPU_COUNT(&set) < n) n = CPU_COUNT(&set);
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (f) {
        long quota = 0, period = 0;
        if (fscanf(f, "%ld %ld", &quota, &period) == 2 && quota > 0 && period > 0) {
            long cores = (quota + period - 1) / period;
            if (cores < n) n = cores;
        }
        fclose(f);
    }
#endif
    return n < 1 ? 1 : n > EK_POOL_MAX ? EK_POOL_MAX : (int)n;
}

static int budget;   // cpu_budget(), read once; replaced only by ek_pool_cpu_budget (atomic)
static pthread_once_t budget_once = PTHREAD_ONCE_INIT;
static void read_budget(void) { __atomic_store_n(&budget, cpu_budget(), __ATOMIC_RELAXED); }

int ek_pool_cpu_budget(int replace) {
    pthread_once(&budget_once, read_budget);
    if (replace <= 0) return __atomic_load_n(&budget, __ATOMIC_RELAXED);
    return __atomic_exchange_n(&budget, replace < EK_POOL_MAX ? replace : EK_POOL_MAX, __ATOMIC_RELAXED);
}

static void run_items(void) {
    long i;
    while ((i = __atomic_fetch_add(&pool.next, 1, __ATOMIC_RELAXED)) < pool.count) pool.body(pool.context, i);
}

static void *worker(void *arg) {
    const int index = (int)(long)arg;
    long seen = pool.origin[index];   // written before pthread_create
    for (;;) {
        long now = seen;
        for (int spin = 0; spin < EK_POOL_SPINS; spin++) {
            now = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
            if (now != seen) break;
            ek_relax();
        }
        if (now == seen) {
            pthread_mutex_lock(&pool.lock);
            __atomic_fetch_add(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
            while ((now = __atomic_load_n(&pool.generation, __ATOMIC_SEQ_CST)) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
            __atomic_fetch_sub(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&pool.lock);
        }
        seen = now;
        // A worker left out of a job (or late to see one it was left out of) touches nothing of it.
        if (__atomic_load_n(&pool.assigned[index], __ATOMIC_ACQUIRE) == now) {
            run_items();
            __atomic_fetch_sub(&pool.remaining, 1, __ATOMIC_RELEASE);
        }
    }
    return NULL;
}

int ek_pool_run(int threads, long count, void (*body)(void *, long), void *context) {
    if (threads < 2 || count < 2) return -1;
    pthread_once(&budget_once, read_budget);
    if (threads > __atomic_load_n(&budget, __ATOMIC_RELAXED)) return -1;
    if (__atomic_exchange_n(&pool.busy, 1, __ATOMIC_ACQUIRE)) return -1;
    int helpers = threads - 1 < EK_POOL_MAX ? threads - 1 : EK_POOL_MAX;
    if (helpers > count - 1) helpers = (int)(count - 1);
    if (pool.workers < helpers) {
        pthread_mutex_lock(&pool.lock);
        while (pool.workers < helpers) {
            pthread_t t;
            pthread_attr_t attr;
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            // A worker may run a whole forward pass (a batch split by sequence): the stack of a main thread,
            // not the 512 KiB of a secondary thread on Apple platforms.
            pthread_attr_setstacksize(&attr, (size_t)8 << 20);
            pool.origin[pool.workers] = __atomic_load_n(&pool.generation, __ATOMIC_RELAXED);
            int failed = pthread_create(&t, &attr, worker, (void *)(long)pool.workers);
            pthread_attr_destroy(&attr);
            if (failed) break;
            pool.workers++;
        }
        pthread_mutex_unlock(&pool.lock);
        if (pool.workers < helpers) helpers = pool.workers;
        if (helpers == 0) {
            __atomic_store_n(&pool.busy, 0, __ATOMIC_RELEASE);
            return -1;
        }
    }
    const long generation = __atomic_load_n(&pool.generation, __ATOMIC_RELAXED) + 1;   // only a job's caller changes it
    for (int w = 0; w < helpers; w++) __atomic_store_n(&pool.assigned[w], generation, __ATOMIC_RELAXED);
    pool.count = count;
    pool.body = body;
    pool.context = context;
    __atomic_store_n(&pool.next, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&pool.remaining, helpers, __ATOMIC_RELAXED);
    __atomic_store_n(&pool.generation, generation, __ATOMIC_SEQ_CST);   // publishes the job
    if (__atomic_load_n(&pool.sleepers, __ATOMIC_SEQ_CST) > 0) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.lock);
    }
    run_items();
    // The last items finish within microseconds; a worker that is not running at all (more threads than
    // cores) gets the core through sched_yield instead of waiting out the caller's time slice.
    for (long spin = 0; __atomic_load_n(&pool.remaining, __ATOMIC_ACQUIRE) > 0; spin++) {
        if (spin < 4096) ek_relax();
        else sched_yield();
    }
    __atomic_store_n(&pool.busy, 0, __ATOMIC_RELEASE);
    return 0;
}
