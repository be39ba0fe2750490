/* qsort.c: recursive quicksort (Lomuto partition, middle pivot) of a static int array.
 * run(n) fills len = 1 + (n mod 500) signed ints from an LCG seeded with n, sorts them
 * ascending, checks the order (returns -1 if unsorted) and returns the checksum
 * sum over i of a[i] * (i + 1) (wrapping unsigned arithmetic). */

static int a[512];

static void swap(int *p, int *q) {
    int t = *p;
    *p = *q;
    *q = t;
}

static void quicksort(int *v, int lo, int hi) {
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int pivot, i, j;
        swap(&v[mid], &v[hi]);
        pivot = v[hi];
        i = lo;
        for (j = lo; j < hi; j++)
            if (v[j] < pivot) {
                swap(&v[i], &v[j]);
                i++;
            }
        swap(&v[i], &v[hi]);
        /* recurse into the smaller half, loop on the larger: bounded stack depth */
        if (i - lo < hi - i) {
            quicksort(v, lo, i - 1);
            lo = i + 1;
        } else {
            quicksort(v, i + 1, hi);
            hi = i - 1;
        }
    }
}

int run(int n) {
    unsigned len = 1u + (unsigned)n % 500u;
    unsigned x = (unsigned)n ^ 0x5a5a5a5au;
    unsigned i, sum = 0;
    for (i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        a[i] = (int)(x >> 8) - (1 << 23);
    }
    quicksort(a, 0, (int)len - 1);
    for (i = 1; i < len; i++)
        if (a[i - 1] > a[i])
            return -1;
    for (i = 0; i < len; i++)
        sum += (unsigned)a[i] * (i + 1u);
    return (int)sum;
}
