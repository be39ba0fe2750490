/* matmul.c: 8x8 integer matrix multiply.
 * run(n) fills A and B from an LCG seeded with n (small signed entries), computes
 * C = A * B, then repeats C = C * B (n mod 4) more times, and returns the checksum
 * sum over i,j of C[i][j] * (8*i + j + 1) (wrapping unsigned arithmetic). */

#define N 8
static int A[N][N], B[N][N], C[N][N], T[N][N];

static void mul(int (*dst)[N], int (*x)[N], int (*y)[N]) {
    int i, j, k;
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            int s = 0;
            for (k = 0; k < N; k++)
                s += x[i][k] * y[k][j];
            dst[i][j] = s;
        }
}

int run(int n) {
    unsigned x = (unsigned)n;
    unsigned sum = 0;
    int i, j, r, reps = (int)((unsigned)n % 4u);
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            x = x * 1664525u + 1013904223u;
            A[i][j] = (int)(x >> 27) - 16;
            x = x * 1664525u + 1013904223u;
            B[i][j] = (int)(x >> 27) - 16;
        }
    mul(C, A, B);
    for (r = 0; r < reps; r++) {
        mul(T, C, B);
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++)
                C[i][j] = T[i][j];
    }
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            sum += (unsigned)C[i][j] * (unsigned)(N * i + j + 1);
    return (int)sum;
}
