/* fib.c: naive recursive Fibonacci.
 * run(n) returns fib(n mod 26) (fib(0)=0, fib(1)=1), computed by doubly recursive calls:
 * exercises call/return and the call stack (depth <= 26 frames). */

static int fib(int k) {
    if (k < 2)
        return k;
    return fib(k - 1) + fib(k - 2);
}

int run(int n) {
    unsigned k = (unsigned)n % 26u;
    return fib((int)k);
}
