/* Castle csmith harness: printf is a stub defined by the driver (no libc). */
int printf(const char *format, ...);
