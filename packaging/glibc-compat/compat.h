/*
 * Force-included into every file of the SQLite addon: binds the libc symbols that newer glibc
 * versioned anew (pthread and dl moved into libc in 2.34, libm's fast paths in 2.29) to their
 * oldest versions, so the addon loads on glibc 2.28 (Debian 10, Ubuntu 20.04, RHEL 8) like Node.
 */
#if defined(__x86_64__)
#define PROBE_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define PROBE_GLIBC_BASE "GLIBC_2.17"
#elif defined(__arm__)
#define PROBE_GLIBC_BASE "GLIBC_2.4"
#endif
#ifdef PROBE_GLIBC_BASE
#define PROBE_OLD(sym) __asm__(".symver " #sym "," #sym "@" PROBE_GLIBC_BASE);
PROBE_OLD(pthread_create)
PROBE_OLD(pthread_join)
PROBE_OLD(pthread_once)
PROBE_OLD(pthread_mutex_trylock)
PROBE_OLD(pthread_mutexattr_init)
PROBE_OLD(pthread_mutexattr_settype)
PROBE_OLD(pthread_mutexattr_destroy)
PROBE_OLD(pthread_key_create)
PROBE_OLD(pthread_key_delete)
PROBE_OLD(pthread_getspecific)
PROBE_OLD(pthread_setspecific)
PROBE_OLD(dlopen)
PROBE_OLD(dlclose)
PROBE_OLD(dlsym)
PROBE_OLD(dlerror)
PROBE_OLD(log)
PROBE_OLD(log2)
PROBE_OLD(exp)
PROBE_OLD(pow)
#endif
