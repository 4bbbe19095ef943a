/*
 * Linked into the SQLite addon with compat.h: what glibc 2.33 and libstdc++ 3.4.29 added as new
 * symbols, defined here (hidden, so only the addon binds to them) over what glibc 2.28 has.
 */
#include <new>
#include <sys/stat.h>

#if defined(__x86_64__)
#define PROBE_GLIBC_BASE "GLIBC_2.2.5"
#define PROBE_STAT_VER 1
#elif defined(__aarch64__)
#define PROBE_GLIBC_BASE "GLIBC_2.17"
#define PROBE_STAT_VER 0
#elif defined(__arm__)
#define PROBE_GLIBC_BASE "GLIBC_2.4"
#define PROBE_STAT_VER 3
#endif

#define HIDDEN __attribute__((visibility("hidden")))

extern "C" {
// Before 2.33, stat() and friends were inline wrappers over these versioned entry points.
int __xstat64(int, const char *, struct stat64 *);
int __lxstat64(int, const char *, struct stat64 *);
int __fxstat64(int, int, struct stat64 *);
__asm__(".symver __xstat64,__xstat64@" PROBE_GLIBC_BASE);
__asm__(".symver __lxstat64,__lxstat64@" PROBE_GLIBC_BASE);
__asm__(".symver __fxstat64,__fxstat64@" PROBE_GLIBC_BASE);

HIDDEN int stat64(const char *path, struct stat64 *buf) { return __xstat64(PROBE_STAT_VER, path, buf); }
HIDDEN int lstat64(const char *path, struct stat64 *buf) { return __lxstat64(PROBE_STAT_VER, path, buf); }
HIDDEN int fstat64(int fd, struct stat64 *buf) { return __fxstat64(PROBE_STAT_VER, fd, buf); }
}

namespace std {
HIDDEN void __throw_bad_array_new_length() { throw bad_array_new_length(); }
}
