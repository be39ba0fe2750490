/* Castle csmith harness: safe_math.h's float helpers name fabs/fabsf; --no-float programs
 * never call them (they are static and dropped), so the compiler builtins suffice. */
#define fabsf __builtin_fabsf
#define fabs __builtin_fabs
