/* sieve.c: sieve of Eratosthenes in a static byte array.
 * run(n) sieves [0, limit) with limit = 2 + (n mod 8000) and returns
 * count_of_primes * 65536 + (sum of primes mod 65536): exercises 8-bit loads/stores and loops. */

#define MAX 8002
static unsigned char composite[MAX];

int run(int n) {
    unsigned limit = 2u + (unsigned)n % 8000u;
    unsigned i, j, count = 0, sum = 0;
    for (i = 0; i < limit; i++)
        composite[i] = 0;
    for (i = 2; i * i < limit; i++)
        if (!composite[i])
            for (j = i * i; j < limit; j += i)
                composite[j] = 1;
    for (i = 2; i < limit; i++)
        if (!composite[i]) {
            count++;
            sum += i;
        }
    return (int)((count << 16) + (sum & 0xffffu));
}
